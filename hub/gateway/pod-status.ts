// Pod status report -> pods/status. An agent may only report pods bound to its own node, and
// only for the pod instance it runs (uid match: a recreated pod of the same name is not it).

import { isConflict, isNotFound } from '../api/errors.js';
import type { Pod } from '../../shared/api/types.js';
import type { PodStatusReport } from '../../shared/protocol/messages.js';
import type { GatewayContext } from './context.js';

const MAX_CONFLICT_RETRIES = 5;

export async function handlePodStatus(
  ctx: GatewayContext,
  node: string,
  namespace: string,
  name: string,
  r: PodStatusReport,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let pod: Pod;
    try {
      pod = await ctx.client.get<Pod>('pods', namespace, name);
    } catch (e) {
      if (isNotFound(e))
        return ctx.log.debug('status for a pod that no longer exists', { node, namespace, name });
      throw e;
    }
    if (pod.spec.nodeName !== node || pod.metadata.uid !== r.uid) {
      ctx.log.warn('pod status refused: pod not on this node or uid differs', {
        node,
        namespace,
        name,
        uid: r.uid,
      });
      return;
    }
    try {
      await ctx.client.update<Pod>('pods', namespace, { ...pod, status: r.status }, 'status');
      return;
    } catch (e) {
      if (!isConflict(e) || attempt >= MAX_CONFLICT_RETRIES) throw e;
    }
  }
}
