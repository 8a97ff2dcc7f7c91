// /openapi/v2 (Swagger 2.0) from the same kind schemas as /openapi/v3 (openapi.ts), for the
// tools and code generators that still read v2. Upstream's v2 publishing drops what Swagger
// 2.0 cannot say (nullable, anyOf/oneOf/allOf/not) and writes int-or-string as a string of
// format int-or-string. PATCH operations list no strategic-merge content type, as in v3, so
// kubectl's client-side apply keeps building its patches from its compiled-in types.
//
// Served as JSON only: client-go asks for v2 in gnostic protobuf alone, and gets 406 (as
// kube-apiserver answers a media type it cannot produce), which kubectl treats as it treated
// the 404 before: no v2 schema.

import { isPlainObject } from './patch/merge.js';
import { collectionPath, kindOpenApi, schemaName } from './openapi.js';
import type { Registry } from './registry.js';
import type { ResourceDef } from './resource.js';

const DROPPED = new Set(['nullable', 'anyOf', 'oneOf', 'allOf', 'not']);

/** A v3 schema in Swagger 2.0's subset. */
export function toSwagger2(s: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (DROPPED.has(k)) continue;
    if (k === 'properties' && isPlainObject(v))
      out.properties = Object.fromEntries(
        Object.entries(v).map(([p, x]) => [p, isPlainObject(x) ? toSwagger2(x) : x]),
      );
    else if ((k === 'items' || k === 'additionalProperties') && isPlainObject(v)) out[k] = toSwagger2(v);
    else out[k] = v;
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    out.type = 'string';
    out.format = 'int-or-string';
  }
  return out;
}

function operations(d: ResourceDef): Record<string, unknown> {
  const gvk = { group: d.group, version: d.version, kind: d.kind };
  const ref = { $ref: `#/definitions/${schemaName(d)}` };
  const op = (verb: string, action: string, extra: Record<string, unknown> = {}) => ({
    operationId: `${verb}${d.namespaced ? 'Namespaced' : ''}${d.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    produces: ['application/json', 'application/yaml'],
    responses: { '200': { description: 'OK', schema: ref } },
    ...extra,
  });
  const ns = d.namespaced ? [{ name: 'namespace', in: 'path', required: true, type: 'string' }] : [];
  const name = [{ name: 'name', in: 'path', required: true, type: 'string' }];
  const query = (n: string) => ({ name: n, in: 'query', type: 'string', uniqueItems: true });
  const body = { name: 'body', in: 'body', required: true, schema: ref };
  const collection = collectionPath(d);
  return {
    [collection]: {
      parameters: ns,
      get: op('list', 'list', {
        parameters: [query('labelSelector'), query('fieldSelector'), query('continue')],
        responses: { '200': { description: 'OK', schema: { type: 'object' } } },
      }),
      post: op('create', 'post', {
        consumes: ['application/json', 'application/yaml'],
        parameters: [body, query('dryRun'), query('fieldManager'), query('fieldValidation')],
      }),
    },
    [`${collection}/{name}`]: {
      parameters: [...name, ...ns],
      get: op('read', 'get'),
      put: op('replace', 'put', {
        consumes: ['application/json', 'application/yaml'],
        parameters: [body, query('dryRun'), query('fieldManager'), query('fieldValidation')],
      }),
      patch: op('patch', 'patch', {
        consumes: [
          'application/json-patch+json',
          'application/merge-patch+json',
          'application/apply-patch+yaml',
        ],
        parameters: [
          { name: 'body', in: 'body', required: true, schema: { type: 'object' } },
          query('dryRun'),
          query('fieldManager'),
          query('fieldValidation'),
          { name: 'force', in: 'query', type: 'boolean', uniqueItems: true },
        ],
      }),
      delete: op('delete', 'delete', { parameters: [query('dryRun'), query('propagationPolicy')] }),
    },
  };
}

export class OpenApiV2 {
  private text = '';
  private built = -1;

  constructor(private readonly reg: Registry) {}

  /** The document, rebuilt when the kinds changed (a CRD established or gone). */
  get(): string {
    if (this.built !== this.reg.generation) {
      this.built = this.reg.generation;
      const defs = this.reg.all().filter((d) => !d.serve && !d.review);
      const paths: Record<string, unknown> = {};
      const definitions: Record<string, unknown> = {};
      for (const d of defs) {
        Object.assign(paths, operations(d));
        definitions[schemaName(d)] = toSwagger2(kindOpenApi(d));
      }
      this.text = JSON.stringify({
        swagger: '2.0',
        info: { title: 'Drover', version: 'v1.32.0-drover' },
        paths,
        definitions,
      });
    }
    return this.text;
  }
}
