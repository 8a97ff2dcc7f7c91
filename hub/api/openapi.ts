// The minimum OpenAPI kubectl 1.32 needs. `kubectl create/apply` (default --validate=strict)
// first asks /openapi/v3 whether the server supports the fieldValidation query parameter:
// it finds the PATCH operation tagged with the kind's x-kubernetes-group-version-kind and
// looks for a `fieldValidation` query parameter. When present, kubectl skips client-side
// schema validation and sends fieldValidation=Strict, which this server enforces per kind.
// Without it kubectl falls back to /openapi/v2 and fails ("failed to download openapi").
// The PATCH operations deliberately list no strategic-merge content type, so client-side
// `apply` builds its strategic merge patch from kubectl's compiled-in types (kubectl asks
// v2 in protobuf, which gets 406 and is tolerated there). /openapi/v2 in JSON is
// openapi-v2.ts, from the same kind schemas (kindOpenApi).
// Each group-version document also carries the kinds' schemas, generated from the same strict
// schemas the API validates with, so `kubectl explain` walks their fields (types, no prose);
// a custom resource's is its CRD version's openAPIV3Schema, descriptions included. The
// documents are rebuilt when the kinds change (a CRD established or gone).

import { createHash } from 'node:crypto';
import type { Registry } from './registry.js';
import type { ResourceDef } from './resource.js';
import { objectMeta, type Schema } from './schema.js';
import type { JSONSchemaProps } from '../../shared/api/crd.js';

/** A kind's strict schema (schema.ts, the one the API validates with) as OpenAPI v3. */
export function openApiSchema(s: Schema): Record<string, unknown> {
  switch (s.t) {
    case 'object':
      return {
        type: 'object',
        properties: Object.fromEntries(Object.entries(s.fields).map(([k, v]) => [k, openApiSchema(v)])),
      };
    case 'map':
      return { type: 'object', additionalProperties: openApiSchema(s.values) };
    case 'array':
      return { type: 'array', items: openApiSchema(s.items) };
    case 'string':
      return { type: 'string' };
    case 'int':
      return { type: 'integer', format: 'int64' };
    case 'number':
      return { type: 'number', format: 'double' };
    case 'bool':
      return { type: 'boolean' };
    case 'intOrString':
      return { 'x-kubernetes-int-or-string': true };
    case 'any':
      return { 'x-kubernetes-preserve-unknown-fields': true };
  }
}

/** The component name of a kind, in upstream's reverse-domain form. */
export function schemaName(d: ResourceDef): string {
  return `dev.drover.${d.group || 'core'}.${d.version}.${d.kind}`;
}

/** A CRD's schema with the envelope every object has (upstream adds apiVersion, kind and metadata). */
function customSchema(s: JSONSchemaProps): Record<string, unknown> {
  return {
    ...s,
    type: 'object',
    properties: {
      ...s.properties,
      apiVersion: {
        type: 'string',
        description: 'APIVersion defines the versioned schema of this representation of an object.',
      },
      kind: {
        type: 'string',
        description: 'Kind is a string value representing the REST resource this object represents.',
      },
      metadata: openApiSchema(objectMeta),
    },
  };
}

/** A kind's schema as OpenAPI (v3 form), tagged with its group-version-kind; v2 derives from it. */
export function kindOpenApi(d: ResourceDef): Record<string, unknown> {
  return {
    ...(d.custom ? customSchema(d.custom.openApi) : openApiSchema(d.schema)),
    description:
      d.custom?.openApi.description ??
      `${d.kind} (${d.group ? `${d.group}/` : ''}${d.version}), as served by the Drover hub.`,
    'x-kubernetes-group-version-kind': [{ group: d.group, version: d.version, kind: d.kind }],
  };
}

/** The REST path of a kind's collection (`/apis/g/v/namespaces/{namespace}/r`). */
export function collectionPath(d: ResourceDef): string {
  return `/${gvPath(d)}${d.namespaced ? '/namespaces/{namespace}' : ''}/${d.resource}`;
}

function gvPath(def: ResourceDef): string {
  return def.group ? `apis/${def.group}/${def.version}` : `api/${def.version}`;
}

function gvDoc(defs: ResourceDef[]): unknown {
  const paths: Record<string, unknown> = {};
  for (const d of defs) {
    const base = `${collectionPath(d)}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${d.namespaced ? 'Namespaced' : ''}${d.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: d.group, version: d.version, kind: d.kind },
        parameters: [
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
        ],
        requestBody: {
          content: {
            'application/json-patch+json': { schema: { type: 'object' } },
            'application/merge-patch+json': { schema: { type: 'object' } },
          },
          required: true,
        },
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  // Each kind's schema, tagged with its group-version-kind: `kubectl explain` finds it there.
  const schemas: Record<string, unknown> = {};
  for (const d of defs) schemas[schemaName(d)] = kindOpenApi(d);
  return {
    openapi: '3.0.0',
    info: { title: 'Drover', version: 'v1.32.0-drover' },
    paths,
    components: { schemas },
  };
}

export class OpenApiV3 {
  private docs = new Map<string, string>();
  private root = '';
  private built = -1;

  constructor(private readonly reg: Registry) {}

  private build(): void {
    if (this.built === this.reg.generation) return;
    this.built = this.reg.generation;
    this.docs.clear();
    const byGv = new Map<string, ResourceDef[]>();
    for (const d of this.reg.all()) byGv.set(gvPath(d), [...(byGv.get(gvPath(d)) ?? []), d]);
    const rootPaths: Record<string, unknown> = {};
    for (const [gv, defs] of byGv) {
      const text = JSON.stringify(gvDoc(defs));
      this.docs.set(gv, text);
      const hash = createHash('sha256').update(text).digest('hex').slice(0, 32).toUpperCase();
      rootPaths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
    }
    this.root = JSON.stringify({ paths: rootPaths });
  }

  /** Body for /openapi/v3 or /openapi/v3/{gv}; undefined = 404. */
  get(path: string): string | undefined {
    this.build();
    if (path === '/openapi/v3') return this.root;
    return this.docs.get(path.slice('/openapi/v3/'.length));
  }
}
