// The RBAC authorizer (plugin/pkg/auth/authorizer/rbac): a request is allowed when a rule of a
// role bound to the user allows it. ClusterRoleBindings grant everywhere; RoleBindings grant in
// their namespace (their roleRef may name a ClusterRole, whose rules then apply there only).
// Roles and bindings are read from informers (list + watch through the in-process client), as
// kube-apiserver's are: a new binding takes effect within the watch's delay.

import type { ClusterRole, PolicyRule, RbacSubject, Role, RoleBinding } from '../../../shared/api/rbac.js';
import type { Logger } from '../../../shared/log.js';
import type { ApiClient } from '../../api/client.js';
import { Informer } from '../../informers/informer.js';
import type { Attributes, Authorizer } from '../authz.js';
import { GROUP_SERVICEACCOUNTS, SERVICEACCOUNT_USER_PREFIX, type UserInfo } from '../user.js';
import { ruleAllows } from './rules.js';

function subjectMatches(s: RbacSubject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return (
        !!ns &&
        user.name === `${SERVICEACCOUNT_USER_PREFIX}${ns}:${s.name}` &&
        user.groups.includes(GROUP_SERVICEACCOUNTS)
      );
    }
    default:
      return false;
  }
}

const bound = (b: RoleBinding, user: UserInfo) =>
  (b.subjects ?? []).some((s) => subjectMatches(s, user, b.metadata.namespace));

export class RbacAuthorizer implements Authorizer {
  readonly name = 'rbac';
  private readonly roles: Informer<Role>;
  private readonly clusterRoles: Informer<ClusterRole>;
  private readonly roleBindings: Informer<RoleBinding>;
  private readonly clusterRoleBindings: Informer<RoleBinding>;

  constructor(client: ApiClient, log: Logger) {
    this.roles = new Informer<Role>(client, 'roles', log);
    this.clusterRoles = new Informer<ClusterRole>(client, 'clusterroles', log);
    this.roleBindings = new Informer<RoleBinding>(client, 'rolebindings', log);
    this.clusterRoleBindings = new Informer<RoleBinding>(client, 'clusterrolebindings', log);
  }

  async start(): Promise<void> {
    await Promise.all(
      [this.roles, this.clusterRoles, this.roleBindings, this.clusterRoleBindings].map((i) => i.start()),
    );
  }

  stop(): void {
    for (const i of [this.roles, this.clusterRoles, this.roleBindings, this.clusterRoleBindings]) i.stop();
  }

  private rulesOf(b: RoleBinding) {
    const ref = b.roleRef;
    if (ref?.kind === 'ClusterRole') return this.clusterRoles.get(`/${ref.name}`)?.rules ?? [];
    if (ref?.kind === 'Role' && b.metadata.namespace)
      return this.roles.get(`${b.metadata.namespace}/${ref.name}`)?.rules ?? [];
    return [];
  }

  /**
   * Every rule user holds in namespace (cluster-wide ones included; undefined: cluster scope
   * only), as upstream's RuleResolver.RulesFor: what escalation prevention compares against.
   */
  rulesFor(user: UserInfo, namespace: string | undefined): PolicyRule[] {
    const held = (bs: RoleBinding[]) => bs.filter((b) => bound(b, user)).flatMap((b) => this.rulesOf(b));
    return [
      ...held(this.clusterRoleBindings.list()),
      ...(namespace ? held(this.roleBindings.inNamespace(namespace)) : []),
    ];
  }

  authorize(user: UserInfo, attrs: Attributes) {
    const allows = (b: RoleBinding) => bound(b, user) && this.rulesOf(b).some((r) => ruleAllows(r, attrs));
    if (this.clusterRoleBindings.list().some(allows)) return 'allow' as const;
    if (
      attrs.kind === 'resource' &&
      attrs.namespace &&
      this.roleBindings.inNamespace(attrs.namespace).some(allows)
    )
      return 'allow' as const;
    return 'noOpinion' as const;
  }
}
