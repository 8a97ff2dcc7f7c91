// The RBAC authorizer (plugin/pkg/auth/authorizer/rbac): a request is allowed when a rule of a
// role bound to the user allows it. ClusterRoleBindings grant everywhere; RoleBindings grant in
// their namespace (their roleRef may name a ClusterRole, whose rules then apply there only).
// Roles and bindings are read from informers (list + watch through the in-process client), as
// kube-apiserver's are: a new binding takes effect within the watch's delay.
// The rules a user holds in a namespace are remembered until any Role, ClusterRole or binding
// changes (every request of the in-process components asked the same question again: a scan of
// every binding's subjects per request); a revoked permission is refused as soon as the
// informer has seen the change, as before.

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

/** Users and namespaces whose rules are remembered; past it the memory starts afresh. */
const MAX_REMEMBERED = 10_000;

const bound = (b: RoleBinding, user: UserInfo) =>
  (b.subjects ?? []).some((s) => subjectMatches(s, user, b.metadata.namespace));

export class RbacAuthorizer implements Authorizer {
  readonly name = 'rbac';
  private readonly roles: Informer<Role>;
  private readonly clusterRoles: Informer<ClusterRole>;
  private readonly roleBindings: Informer<RoleBinding>;
  private readonly clusterRoleBindings: Informer<RoleBinding>;
  /** rulesFor(user, namespace) by user and namespace, until an RBAC object changes. */
  private readonly remembered = new Map<string, PolicyRule[]>();

  constructor(client: ApiClient, log: Logger) {
    this.roles = new Informer<Role>(client, 'roles', log);
    this.clusterRoles = new Informer<ClusterRole>(client, 'clusterroles', log);
    this.roleBindings = new Informer<RoleBinding>(client, 'rolebindings', log);
    this.clusterRoleBindings = new Informer<RoleBinding>(client, 'clusterrolebindings', log);
  }

  async start(): Promise<void> {
    const informers = [this.roles, this.clusterRoles, this.roleBindings, this.clusterRoleBindings];
    // Before the lists: a change the informer applies clears what was remembered in the same step.
    for (const i of informers) i.addHandler({ onChange: () => this.remembered.clear() });
    await Promise.all(informers.map((i) => i.start()));
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

  /** rulesFor, remembered until an RBAC object changes (shared: never mutate the array). */
  private heldRules(user: UserInfo, namespace: string | undefined): PolicyRule[] {
    const key = `${user.name}\u0000${user.groups.join('\u0001')}\u0000${namespace ?? ''}`;
    let rules = this.remembered.get(key);
    if (!rules) {
      if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
      rules = this.rulesFor(user, namespace);
      this.remembered.set(key, rules);
    }
    return rules;
  }

  /** Cluster-wide bindings grant everywhere; a namespace's bindings only for resources in it. */
  authorize(user: UserInfo, attrs: Attributes) {
    const namespace = attrs.kind === 'resource' ? attrs.namespace : undefined;
    return this.heldRules(user, namespace).some((r) => ruleAllows(r, attrs))
      ? ('allow' as const)
      : ('noOpinion' as const);
  }
}
