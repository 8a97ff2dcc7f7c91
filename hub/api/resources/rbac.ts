// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding (validation
// as upstream's pkg/apis/rbac/validation: verbs required, a rule names resources or URLs, not
// both; a binding's roleRef is required and immutable; subjects name a known kind).

import type { ClusterRole, PolicyRule, RbacSubject, Role, RoleBinding } from '../../../shared/api/rbac.js';
import type { StatusCause } from '../../../shared/api/types.js';
import { any, arr, kindSchema, obj, str, strArr } from '../schema.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { cause, notSupported, required } from '../meta.js';
import { age, ageColumn, col, nameColumn } from '../table.js';

const GROUP = 'rbac.authorization.k8s.io';
const rulesSchema = arr(
  obj({
    verbs: strArr,
    apiGroups: strArr,
    resources: strArr,
    resourceNames: strArr,
    nonResourceURLs: strArr,
  }),
);
const bindingSchema = kindSchema({
  roleRef: obj({ apiGroup: str, kind: str, name: str }),
  subjects: arr(obj({ kind: str, apiGroup: str, name: str, namespace: str })),
});

function validateRules(rules: PolicyRule[] | undefined, clusterScoped: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [i, r] of (rules ?? []).entries()) {
    const at = `rules[${i}]`;
    if (!r.verbs?.length) causes.push(required(`${at}.verbs`, 'verbs must contain at least one value'));
    const urls = r.nonResourceURLs?.length ?? 0;
    if (urls && !clusterScoped)
      causes.push(
        cause(`${at}.nonResourceURLs`, 'Invalid value: namespaced rules cannot apply to non-resource URLs'),
      );
    if (urls && (r.resources?.length || r.apiGroups?.length))
      causes.push(
        cause(
          `${at}.nonResourceURLs`,
          'Invalid value: rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    if (!urls && !r.resources?.length)
      causes.push(required(`${at}.resources`, 'resource rules must supply at least one resource'));
    if (!urls && !r.apiGroups?.length)
      causes.push(required(`${at}.apiGroups`, 'resource rules must supply at least one api group'));
  }
  return causes;
}

const SUBJECT_KINDS = ['User', 'Group', 'ServiceAccount'];

function validateBinding(
  b: RoleBinding,
  old: RoleBinding | undefined,
  clusterScoped: boolean,
): StatusCause[] {
  const causes: StatusCause[] = [];
  const ref = b.roleRef;
  if (!ref?.name) causes.push(required('roleRef.name'));
  if (ref?.apiGroup !== GROUP) causes.push(notSupported('roleRef.apiGroup', ref?.apiGroup ?? '', [GROUP]));
  const kinds = clusterScoped ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(ref?.kind ?? ''))
    causes.push(cause('roleRef.kind', `Unsupported value: "${ref?.kind ?? ''}"`, 'FieldValueNotSupported'));
  if (old && JSON.stringify(old.roleRef) !== JSON.stringify(b.roleRef))
    causes.push(cause('roleRef', 'Invalid value: cannot change roleRef'));
  for (const [i, s] of (b.subjects ?? []).entries()) {
    if (!SUBJECT_KINDS.includes(s.kind))
      causes.push(cause(`subjects[${i}].kind`, `Unsupported value: "${s.kind}"`, 'FieldValueNotSupported'));
    if (!s.name) causes.push(required(`subjects[${i}].name`));
    if (s.kind === 'ServiceAccount' && clusterScoped && !s.namespace)
      causes.push(required(`subjects[${i}].namespace`));
  }
  return causes;
}

function defaultSubjects(b: RoleBinding): void {
  for (const s of b.subjects ?? ([] as RbacSubject[])) {
    if (s.kind !== 'ServiceAccount' && !s.apiGroup) s.apiGroup = GROUP;
    if (s.kind === 'ServiceAccount' && s.apiGroup === undefined) s.apiGroup = '';
  }
}

const roleTable = {
  columns: [nameColumn, col('Created At', 'string', 'When the role was created')],
  cells: (r: Role) => [r.metadata.name, r.metadata.creationTimestamp ?? ''],
};
const bindingTable = {
  columns: [nameColumn, col('Role', 'string', 'The role bound'), ageColumn],
  cells: (b: RoleBinding, now: number) => [
    b.metadata.name,
    `${b.roleRef?.kind}/${b.roleRef?.name}`,
    age(b.metadata.creationTimestamp, now),
  ],
};

const base = { group: GROUP, version: 'v1', verbs: ALL_VERBS, subresources: [] };

export const roles: ResourceDef<Role> = {
  ...base,
  resource: 'roles',
  kind: 'Role',
  singular: 'role',
  namespaced: true,
  schema: kindSchema({ rules: rulesSchema }),
  validate: (r) => validateRules(r.rules, false),
  table: roleTable,
};

export const clusterroles: ResourceDef<ClusterRole> = {
  ...base,
  resource: 'clusterroles',
  kind: 'ClusterRole',
  singular: 'clusterrole',
  namespaced: false,
  schema: kindSchema({ rules: rulesSchema, aggregationRule: any }),
  validate: (r) => validateRules(r.rules, true),
  table: roleTable,
};

export const rolebindings: ResourceDef<RoleBinding> = {
  ...base,
  resource: 'rolebindings',
  kind: 'RoleBinding',
  singular: 'rolebinding',
  namespaced: true,
  schema: bindingSchema,
  defaults: defaultSubjects,
  validate: (b, old) => validateBinding(b, old, false),
  table: bindingTable,
};

export const clusterrolebindings: ResourceDef<RoleBinding> = {
  ...base,
  resource: 'clusterrolebindings',
  kind: 'ClusterRoleBinding',
  singular: 'clusterrolebinding',
  namespaced: false,
  schema: bindingSchema,
  defaults: defaultSubjects,
  validate: (b, old) => validateBinding(b, old, true),
  table: bindingTable,
};
