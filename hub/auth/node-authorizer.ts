// The node authorizer (plugin/pkg/auth/authorizer/node): a node identity (user
// system:node:<name> in system:nodes, e.g. a client certificate from `drover kubeconfig create`)
// reaches only what its own pods need: its Node (and status), its Lease, the pods bound to it
// (get; list/watch only with fieldSelector spec.nodeName=<name>; their status), the ConfigMaps
// and Secrets those pods reference, and events it creates. Anything else gets no opinion here,
// so RBAC decides (and by default refuses).

import type { Pod } from '../../shared/api/types.js';
import type { ApiClient } from '../api/client.js';
import { isNotFound } from '../api/errors.js';
import { podRefs } from '../gateway/pod-refs.js';
import type { Attributes, Authorizer, Decision } from './authz.js';
import { nodeNameOf, type UserInfo } from './user.js';

const READ = new Set(['get', 'list', 'watch']);
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** True when a list/watch field selector restricts to spec.nodeName=<node>. */
export function selectsNode(fieldSelector: string | undefined, node: string): boolean {
  return (fieldSelector ?? '')
    .split(',')
    .map((r) => r.trim().replace('==', '='))
    .includes(`spec.nodeName=${node}`);
}

export class NodeAuthorizer implements Authorizer {
  readonly name = 'node';

  /** client reads pods as the API server (the authorizer's own reads are not authorized again). */
  constructor(private readonly client: ApiClient) {}

  private async podOnNode(namespace: string | undefined, name: string | undefined, node: string) {
    if (!namespace || !name) return false;
    try {
      return (await this.client.get<Pod>('pods', namespace, name)).spec.nodeName === node;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** Is namespace/name a ConfigMap or Secret one of node's pods references? */
  private async referenced(kind: 'configMaps' | 'secrets', namespace: string, name: string, node: string) {
    const pods = await this.client.list<Pod>('pods', namespace, { fieldSelector: `spec.nodeName=${node}` });
    return pods.items.some((p) => podRefs(p)[kind].has(`${namespace}/${name}`));
  }

  async authorize(user: UserInfo, a: Attributes): Promise<Decision> {
    const node = nodeNameOf(user);
    if (!node || a.kind !== 'resource') return 'noOpinion';
    const allow = (ok: boolean): Decision => (ok ? 'allow' : 'noOpinion');
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    if (a.group === '' || a.group === 'events.k8s.io') {
      switch (res) {
        case 'nodes':
        case 'nodes/status':
          if (a.verb === 'list' || a.verb === 'watch')
            return allow(a.fieldSelector === `metadata.name=${node}`);
          return allow(a.name === node && ['get', 'create', 'update', 'patch'].includes(a.verb));
        case 'pods':
          if (a.verb === 'list' || a.verb === 'watch') return allow(selectsNode(a.fieldSelector, node));
          if (a.verb === 'get' || a.verb === 'delete')
            return allow(await this.podOnNode(a.namespace, a.name, node));
          return 'noOpinion';
        case 'pods/status':
          if (a.verb !== 'update' && a.verb !== 'patch' && a.verb !== 'get') return 'noOpinion';
          return allow(await this.podOnNode(a.namespace, a.name, node));
        case 'configmaps':
        case 'secrets':
          if (a.verb !== 'get' || !a.namespace || !a.name) return 'noOpinion';
          return allow(
            await this.referenced(res === 'secrets' ? 'secrets' : 'configMaps', a.namespace, a.name, node),
          );
        case 'events':
          return allow(a.verb === 'create' || a.verb === 'patch');
      }
    }
    if (a.group === 'coordination.k8s.io' && res === 'leases')
      return allow(
        a.namespace === NODE_LEASE_NAMESPACE &&
          a.name === node &&
          (READ.has(a.verb) || ['create', 'update', 'patch'].includes(a.verb)),
      );
    return 'noOpinion';
  }
}
