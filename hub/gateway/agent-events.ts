// Agent events -> v1 Events. An agent may report on its own Node and on pods bound to it.

import { isNotFound } from '../api/errors.js';
import type { KubeObject, Pod } from '../../shared/api/types.js';
import type { AgentEvent } from '../../shared/protocol/messages.js';
import type { EventRecorder } from '../events/recorder.js';
import type { GatewayContext } from './context.js';

export async function handleAgentEvent(
  ctx: GatewayContext,
  recorder: EventRecorder,
  node: string,
  ev: AgentEvent,
): Promise<void> {
  const io = ev.involvedObject;
  let obj: KubeObject;
  if (io.kind === 'Node' && io.name === node) {
    obj = { apiVersion: 'v1', kind: 'Node', metadata: { name: node, ...(io.uid ? { uid: io.uid } : {}) } };
  } else if (io.kind === 'Pod') {
    const ns = io.namespace ?? 'default';
    let pod: Pod;
    try {
      pod = await ctx.client.get<Pod>('pods', ns, io.name);
    } catch (e) {
      if (isNotFound(e))
        return ctx.log.debug('event for a pod that no longer exists', { node, pod: `${ns}/${io.name}` });
      throw e;
    }
    if (pod.spec.nodeName !== node) {
      ctx.log.warn('event refused: pod not on this node', { node, pod: `${ns}/${io.name}` });
      return;
    }
    obj = pod;
  } else {
    ctx.log.warn('event refused: agents report on their Node and its pods only', { node, kind: io.kind });
    return;
  }
  await recorder.record(obj, ev.type, ev.reason, ev.message, node);
}
