// Agent events -> v1 Events, after the node restriction gate (rate limit, bounds). An agent
// may report on its own Node and on pods bound to it, the object named by uid as it is now
// (the node authorizer's rule); identical events are counted by the recorder.

import { isNotFound } from '../api/errors.js';
import type { KubeObject, Node, Pod } from '../../shared/api/types.js';
import type { AgentEvent } from '../../shared/protocol/messages.js';
import type { EventRecorder } from '../events/recorder.js';
import { cause } from '../api/meta.js';
import type { GatewayContext } from './context.js';
import { admitEvent } from './node-restriction.js';
import { ReportRefusedError } from './restriction/errors.js';
import type { KeyedTokenBucket } from './restriction/rate-limit.js';

const refuse = (field: string, message: string) =>
  new ReportRefusedError('event', [cause(field, `Forbidden: ${message}`, 'FieldValueForbidden')]);

async function getOrGone<T extends KubeObject>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The object the event is about, as stored; undefined when it is gone (a stale event). */
async function involvedObject(
  ctx: GatewayContext,
  node: string,
  ev: AgentEvent,
): Promise<KubeObject | undefined> {
  const io = ev.involvedObject;
  if (io.kind === 'Node') {
    if (io.name !== node)
      throw refuse('involvedObject.name', `a node may report events on itself only, not ${io.name}`);
    const n = await getOrGone(ctx.client.get<Node>('nodes', undefined, node));
    if (n && io.uid !== undefined && io.uid !== n.metadata.uid)
      throw refuse('involvedObject.uid', `${io.uid} is not the uid of node ${node}`);
    return n;
  }
  if (io.kind === 'Pod') {
    const ns = io.namespace ?? 'default';
    const pod = await getOrGone(ctx.client.get<Pod>('pods', ns, io.name));
    if (!pod) return undefined;
    if (pod.spec.nodeName !== node)
      throw refuse('involvedObject', `pod ${ns}/${io.name} is not bound to node ${node}`);
    // A pod recreated under the same name is another pod: the agent's event is stale.
    if (io.uid !== undefined && io.uid !== pod.metadata.uid) return undefined;
    return pod;
  }
  throw refuse('involvedObject.kind', `agents report on their Node and its pods only, not ${io.kind}`);
}

export async function handleAgentEvent(
  ctx: GatewayContext,
  recorder: EventRecorder,
  limiter: KeyedTokenBucket,
  node: string,
  reported: AgentEvent,
): Promise<void> {
  const ev = admitEvent(node, reported, limiter);
  const obj = await involvedObject(ctx, node, ev);
  if (!obj)
    return ctx.log.debug('event for an object that no longer exists', {
      node,
      object: ev.involvedObject.name,
    });
  await recorder.record(obj, ev.type, ev.reason, ev.message, node);
}
