// One served version of a CustomResourceDefinition as a ResourceDef: the generic verbs, HTTP
// routes, discovery, OpenAPI, watch and server-side apply then serve it as a built-in kind.
// What differs is here: objects live under /registry/<group>/<plural> for every version,
// their fields are pruned, defaulted and validated by the version's structural schema, and
// they print with the version's additionalPrinterColumns.

import type {
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  CustomResourceSubresources,
} from '../../../shared/api/crd.js';
import { isPlainObject } from '../patch/merge.js';
import { type ScalePaths, scaleHandlerFor } from '../resources/apps-scale.js';
import type { KubeObject } from '../../../shared/api/types.js';
import { ALL_VERBS, type ResourceDef } from '../resource.js';
import { kindSchema } from '../schema.js';
import { printerTable } from './columns.js';
import { applyDefaults } from './defaults.js';
import { prune } from './prune.js';
import { compileValidator } from './validator.js';

/** `.spec.replicas` -> ['spec', 'replicas'] (CRD validation allows only dotted paths there). */
function dotted(path: string): string[] {
  return path.split('.').slice(1);
}

function scalePaths(s: NonNullable<CustomResourceSubresources['scale']>): ScalePaths {
  const selector = s.labelSelectorPath ? dotted(s.labelSelectorPath) : undefined;
  return {
    specReplicas: dotted(s.specReplicasPath),
    statusReplicas: dotted(s.statusReplicasPath),
    selector: (o) => {
      const v = selector?.reduce<unknown>((x, k) => (isPlainObject(x) ? x[k] : undefined), o);
      return typeof v === 'string' && v ? v : undefined;
    },
  };
}

/** The ResourceDef of crd's version v (its schema is required and structural: CRD validation saw to it). */
export function customResourceDef(
  crd: CustomResourceDefinition,
  v: CustomResourceDefinitionVersion,
): ResourceDef {
  const { group, names, scope } = crd.spec;
  const schema = v.schema?.openAPIV3Schema ?? {
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  };
  const validator = compileValidator(schema);
  const hasStatus = v.subresources?.status !== undefined;
  const scale = v.subresources?.scale;
  return {
    group,
    version: v.name,
    resource: names.plural,
    kind: names.kind,
    singular: names.singular ?? names.kind.toLowerCase(),
    ...(names.shortNames?.length ? { shortNames: names.shortNames } : {}),
    ...(names.categories?.length ? { categories: names.categories } : {}),
    namespaced: scope === 'Namespaced',
    verbs: ALL_VERBS,
    subresources: [...(hasStatus ? ['status'] : []), ...(scale ? ['scale'] : [])],
    ...(scale ? { subresourceHandlers: { scale: scaleHandlerFor(scalePaths(scale)) } } : {}),
    // Only the envelope is strict; the rest is the CRD schema's (custom.prune, validate).
    schema: kindSchema({}),
    table: printerTable(v.additionalPrinterColumns),
    defaults: (obj) => applyDefaults(obj, schema),
    // With a status subresource, status is set through it alone (upstream resets it on create).
    ...(hasStatus
      ? { prepareCreate: (obj: KubeObject) => void delete (obj as { status?: unknown }).status }
      : {}),
    validate: (obj) => validator(obj),
    custom: {
      crd: crd.metadata.name ?? '',
      storagePath: `${group}/${names.plural}`,
      openApi: schema,
      prune: (obj) => prune(obj, schema),
      terminating: false,
    },
  };
}

/** The defs of crd's served versions; a schema ajv cannot compile is the CRD's 422. */
export function servedDefs(crd: CustomResourceDefinition): ResourceDef[] {
  return crd.spec.versions.filter((v) => v.served).map((v) => customResourceDef(crd, v));
}

/** Compiles every version's schema, as CRD validation must (a pattern ajv refuses, ...). */
export function compileErrors(crd: CustomResourceDefinition): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  crd.spec.versions.forEach((v, i) => {
    if (!v.schema?.openAPIV3Schema) return;
    try {
      compileValidator(v.schema.openAPIV3Schema);
    } catch (e) {
      out.push({
        field: `spec.versions[${i}].schema.openAPIV3Schema`,
        message: `Invalid value: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  });
  return out;
}
