// apiextensions.k8s.io/v1 CustomResourceDefinition (shared/api/crd.ts): the kind itself --
// defaults, upstream's validation (name = plural.group, one storage version, structural
// schemas, printer columns), the cleanup finalizer -- while hub/api/crd/ serves the kinds
// CRDs define and keeps their status (NamesAccepted, Established).

import {
  CRD_CLEANUP_FINALIZER,
  CRD_GROUP,
  CRD_VERSION,
  type CustomResourceDefinition,
} from '../../../shared/api/crd.js';
import type { StatusCause } from '../../../shared/api/types.js';
import { isDns1123Label, isDns1123Subdomain } from '../../../shared/api/validation.js';
import { compileErrors } from '../crd/custom-resource.js';
import { JsonPathError, parseJsonPath } from '../crd/json-path.js';
import { structuralErrors } from '../crd/structural.js';
import { cause, notSupported, required } from '../meta.js';
import { ALL_VERBS, type ResourceDef } from '../resource.js';
import { any, arr, bool, int, kindSchema, obj, str, strArr } from '../schema.js';
import { age, col, nameColumn } from '../table.js';

const namesSchema = obj({
  plural: str,
  singular: str,
  kind: str,
  listKind: str,
  shortNames: strArr,
  categories: strArr,
});

const columnSchema = obj({
  name: str,
  type: str,
  format: str,
  description: str,
  priority: int,
  jsonPath: str,
});

const versionSchema = obj({
  name: str,
  served: bool,
  storage: bool,
  deprecated: bool,
  deprecationWarning: str,
  schema: obj({ openAPIV3Schema: any }),
  subresources: obj({
    status: any,
    scale: obj({ specReplicasPath: str, statusReplicasPath: str, labelSelectorPath: str }),
  }),
  additionalPrinterColumns: arr(columnSchema),
  selectableFields: arr(obj({ jsonPath: str })),
});

const conditionSchema = obj({ type: str, status: str, reason: str, message: str, lastTransitionTime: str });

const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'date'];

function validateNames(crd: CustomResourceDefinition): StatusCause[] {
  const out: StatusCause[] = [];
  const n = crd.spec.names ?? ({} as CustomResourceDefinition['spec']['names']);
  const label = (f: string, v: string | undefined, mandatory: boolean) => {
    if (v === undefined || v === '') {
      if (mandatory) out.push(required(`spec.names.${f}`));
      return;
    }
    for (const m of isDns1123Label(v)) out.push(cause(`spec.names.${f}`, `Invalid value: "${v}": ${m}`));
  };
  label('plural', n.plural, true);
  label('singular', n.singular, false);
  (n.shortNames ?? []).forEach((s, i) => {
    for (const m of isDns1123Label(s))
      out.push(cause(`spec.names.shortNames[${i}]`, `Invalid value: "${s}": ${m}`));
  });
  if (!n.kind) out.push(required('spec.names.kind'));
  else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(n.kind))
    out.push(
      cause(
        'spec.names.kind',
        `Invalid value: "${n.kind}": must be a valid kind (letters and digits, a letter first)`,
      ),
    );
  if (n.kind && n.listKind === n.kind)
    out.push(
      cause('spec.names.listKind', `Invalid value: "${n.listKind}": kind and listKind may not be the same`),
    );
  return out;
}

function validateVersions(crd: CustomResourceDefinition): StatusCause[] {
  const out: StatusCause[] = [];
  const versions = crd.spec.versions ?? [];
  if (versions.length === 0)
    out.push(
      cause('spec.versions', 'Invalid value: must have exactly one version marked as storage version'),
    );
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const at = `spec.versions[${i}]`;
    for (const m of isDns1123Label(v.name ?? ''))
      out.push(cause(`${at}.name`, `Invalid value: "${v.name ?? ''}": ${m}`));
    if (seen.has(v.name))
      out.push(cause(`${at}.name`, `Duplicate value: "${v.name}"`, 'FieldValueDuplicate'));
    seen.add(v.name);
    out.push(...structuralErrors(v.schema?.openAPIV3Schema, `${at}.schema.openAPIV3Schema`));
    const scale = v.subresources?.scale;
    if (scale) {
      // Simple dotted paths under .spec / .status, as upstream requires.
      const path = (f: string, p: string | undefined, under: string, required: boolean) => {
        if (p === undefined && !required) return;
        if (!p || !new RegExp(`^\\.${under}(\\.[A-Za-z0-9_-]+)+$`).test(p))
          out.push(
            cause(
              `${at}.subresources.scale.${f}`,
              `Invalid value: "${p ?? ''}": should be a json path under .${under}`,
            ),
          );
      };
      path('specReplicasPath', scale.specReplicasPath, 'spec', true);
      path('statusReplicasPath', scale.statusReplicasPath, 'status', true);
      path('labelSelectorPath', scale.labelSelectorPath, '(spec|status)', false);
    }
    (v.additionalPrinterColumns ?? []).forEach((c, j) => {
      const cat = `${at}.additionalPrinterColumns[${j}]`;
      if (!c.name) out.push(required(`${cat}.name`));
      if (!COLUMN_TYPES.includes(c.type)) out.push(notSupported(`${cat}.type`, c.type ?? '', COLUMN_TYPES));
      if (!c.jsonPath) out.push(required(`${cat}.jsonPath`));
      else
        try {
          parseJsonPath(c.jsonPath);
        } catch (e) {
          if (!(e instanceof JsonPathError)) throw e;
          out.push(cause(`${cat}.jsonPath`, `Invalid value: "${c.jsonPath}": ${e.message}`));
        }
    });
  });
  const storage = versions.filter((v) => v.storage).length;
  if (versions.length && storage !== 1)
    out.push(
      cause(
        'spec.versions',
        `Invalid value: must have exactly one version marked as storage version, found ${storage}`,
      ),
    );
  if (versions.length && !versions.some((v) => v.served))
    out.push(cause('spec.versions', 'Invalid value: must have at least one served version'));
  return out;
}

function validateCrd(crd: CustomResourceDefinition, old?: CustomResourceDefinition): StatusCause[] {
  const s = crd.spec ?? ({} as CustomResourceDefinition['spec']);
  const out: StatusCause[] = [];
  if (!s.group) out.push(required('spec.group'));
  else {
    for (const m of isDns1123Subdomain(s.group))
      out.push(cause('spec.group', `Invalid value: "${s.group}": ${m}`));
    if (!s.group.includes('.'))
      out.push(cause('spec.group', `Invalid value: "${s.group}": should be a domain with at least one dot`));
  }
  const want = `${s.names?.plural ?? ''}.${s.group ?? ''}`;
  if (crd.metadata.name !== want)
    out.push(
      cause(
        'metadata.name',
        `Invalid value: "${crd.metadata.name ?? ''}": must be spec.names.plural+"."+spec.group`,
      ),
    );
  if (s.scope !== 'Namespaced' && s.scope !== 'Cluster')
    out.push(notSupported('spec.scope', s.scope ?? '', ['Cluster', 'Namespaced']));
  // Conversion webhooks are not served: every version is the same object (strategy None).
  if (s.conversion && s.conversion.strategy !== 'None')
    out.push(notSupported('spec.conversion.strategy', s.conversion.strategy, ['None']));
  if (s.preserveUnknownFields)
    out.push(
      cause(
        'spec.preserveUnknownFields',
        'Invalid value: true: must be false in order to use defaults in the schema',
      ),
    );
  out.push(...validateNames(crd), ...validateVersions(crd));
  if (out.length === 0) out.push(...compileErrors(crd).map((e) => cause(e.field, e.message)));
  if (old) {
    // Immutable here: where objects are stored (group, plural) and their scope.
    if (s.group !== old.spec.group) out.push(cause('spec.group', 'Invalid value: field is immutable'));
    if (s.scope !== old.spec.scope) out.push(cause('spec.scope', 'Invalid value: field is immutable'));
    if (s.names?.plural !== old.spec.names.plural)
      out.push(cause('spec.names.plural', 'Invalid value: field is immutable'));
  }
  return out;
}

export const customresourcedefinitions: ResourceDef<CustomResourceDefinition> = {
  group: CRD_GROUP,
  version: CRD_VERSION,
  resource: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  singular: 'customresourcedefinition',
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  namespaced: false,
  verbs: ALL_VERBS,
  subresources: ['status'],
  schema: kindSchema({
    spec: obj({
      group: str,
      names: namesSchema,
      scope: str,
      versions: arr(versionSchema),
      conversion: obj({ strategy: str, webhook: any }),
      preserveUnknownFields: bool,
    }),
    status: obj({ conditions: arr(conditionSchema), acceptedNames: namesSchema, storedVersions: strArr }),
  }),
  defaults(crd) {
    const s = crd.spec;
    if (!s) return;
    s.conversion ??= { strategy: 'None' };
    if (s.names?.kind) {
      s.names.singular ??= s.names.kind.toLowerCase();
      s.names.listKind ??= `${s.names.kind}List`;
    }
  },
  prepareCreate(crd) {
    delete crd.status;
    // Upstream's finalizer: deleting the CRD first deletes its objects (crd/registrar.ts).
    const f = crd.metadata.finalizers ?? [];
    if (!f.includes(CRD_CLEANUP_FINALIZER)) crd.metadata.finalizers = [...f, CRD_CLEANUP_FINALIZER];
  },
  validate: validateCrd,
  table: {
    columns: [nameColumn, col('Created At', 'date', 'CreationTimestamp of the CRD.')],
    cells: (c, now) => [c.metadata.name, c.metadata.creationTimestamp ?? age(undefined, now)],
  },
};
