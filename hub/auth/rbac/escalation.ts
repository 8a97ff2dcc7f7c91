// RBAC escalation prevention, as kube-apiserver's policy-based RBAC storage
// (pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased):
// - a Role or ClusterRole may be created or updated only by one who holds every rule it grants
//   in that scope, or has the `escalate` verb on it (RoleEscalationAuthorized);
// - a RoleBinding or ClusterRoleBinding only by one who holds every rule of the role it refers
//   to in that scope, or has the `bind` verb on that role (BindingAuthorized; resourceNames
//   name the roles one may bind);
// - system:masters always may (EscalationAllowed); a change of only ownerReferences/finalizers
//   is not checked (IsOnlyMutatingGCFields), so the garbage collector is never refused.
// It runs as write admission in the verb core: HTTP, in-process and dry-run writes alike, on the
// object as it would be stored (so PATCH and PUT are checked on their result).

import type { ClusterRole, PolicyRule, Role, RoleBinding } from '../../../shared/api/rbac.js';
import type { KubeObject } from '../../../shared/api/types.js';
import type { ApiCore, WriteAdmission, WriteRequest } from '../../api/core.js';
import { NotFoundError, RbacEscalationError } from '../../api/errors.js';
import { fromKv, storeKey } from '../../api/meta.js';
import type { Attributes } from '../authz.js';
import { GROUP_MASTERS, type UserInfo } from '../user.js';
import { compact, compactString, goQuoted, uncovered } from './covers.js';
import { RBAC_GROUP } from './rules.js';

/** Who holds which rules where (the RBAC authorizer's view: upstream's RuleResolver). */
export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string | undefined): PolicyRule[];
}

/** `*` on everything: what an aggregationRule may gather, so it needs cluster-admin's rights. */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** Fields the garbage collector changes; anything else is a change the check must see. */
function withoutGcFields(o: KubeObject): string {
  const { ownerReferences: _o, finalizers: _f, resourceVersion: _r, generation: _g, ...meta } = o.metadata;
  return JSON.stringify({ ...o, metadata: meta });
}

function escalationDetail(user: UserInfo, missing: PolicyRule[]): string {
  const lines = [...new Set(compact(missing).map(compactString))].sort();
  return `user "${user.name}" (groups=${goQuoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
}

/** The rules of the role a binding refers to, read from the store (a role made just now counts). */
async function referencedRules(core: ApiCore, b: RoleBinding, namespace: string | undefined) {
  const ref = b.roleRef;
  const resource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
  const def = core.resolve(resource);
  const kv = await core.store.get(storeKey(def, ref.kind === 'Role' ? namespace : undefined, ref.name));
  if (!kv) throw new NotFoundError(resource, ref.name, RBAC_GROUP);
  return fromKv<Role>(kv).rules ?? [];
}

/** May user do verb (escalate, bind) on resource/name here? Asked of the hub's authorizer. */
const mayVerb = (
  core: ApiCore,
  user: UserInfo,
  verb: string,
  resource: string,
  name: string,
  namespace: string | undefined,
) => {
  const attrs: Attributes = {
    kind: 'resource',
    verb,
    group: RBAC_GROUP,
    resource,
    name,
    // A ClusterRole bound by a RoleBinding is asked in the binding's namespace, as upstream.
    ...(namespace ? { namespace } : {}),
  };
  return core.allowed(user, attrs);
};

/** The write admission for roles, clusterroles, rolebindings and clusterrolebindings. */
export function rbacEscalationAdmission(resolver: RuleResolver): WriteAdmission {
  return async (w: WriteRequest) => {
    const { core, def, obj, old, user } = w;
    const name = obj.metadata.name ?? '';
    const namespace = def.namespaced ? obj.metadata.namespace : undefined;
    // An internal write with no user is refused: no path may skip the check by omission.
    if (!user)
      throw new RbacEscalationError(RBAC_GROUP, def.resource, name, 'no user to check the grant against');
    if (user.groups.includes(GROUP_MASTERS)) return;
    if (old && withoutGcFields(old) === withoutGcFields(obj)) return;
    const refuse = (missing: PolicyRule[]) => {
      if (missing.length)
        throw new RbacEscalationError(RBAC_GROUP, def.resource, name, escalationDetail(user, missing));
    };
    const held = () => resolver.rulesFor(user, namespace);

    if (def.resource === 'roles' || def.resource === 'clusterroles') {
      if (await mayVerb(core, user, 'escalate', def.resource, name, namespace)) return;
      refuse(uncovered(held(), (obj as Role).rules ?? []));
      if ((obj as ClusterRole).aggregationRule && uncovered(held(), FULL_AUTHORITY).length)
        throw new RbacEscalationError(
          RBAC_GROUP,
          def.resource,
          name,
          'must have cluster-admin privileges to use the aggregationRule',
        );
      return;
    }
    const b = obj as RoleBinding;
    const roleResource = b.roleRef.kind === 'Role' ? 'roles' : 'clusterroles';
    if (await mayVerb(core, user, 'bind', roleResource, b.roleRef.name, namespace)) return;
    refuse(uncovered(held(), await referencedRules(core, b, namespace)));
  };
}

export const RBAC_RESOURCES = ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'];

/** Registers the check on every RBAC kind. */
export function preventRbacEscalation(
  api: { registerWriteAdmission(resource: string, fn: WriteAdmission): void },
  resolver: RuleResolver,
): void {
  const check = rbacEscalationAdmission(resolver);
  for (const r of RBAC_RESOURCES) api.registerWriteAdmission(r, check);
}
