// Pod status report -> pods/status. An agent may only report pods bound to its own node, and
// only for the pod instance it runs (uid match: a recreated pod of the same name is not it);
// the node restriction gate keeps what it may write (the fields a node owns, validated).
// A pod being deleted (deletionTimestamp) is removed for good once its agent reports it
// terminal: the kubelet's final `delete` with grace 0, made here on the agent's behalf.
// The pod is read from the desired publisher's copy when it has one (ctx.heldPod): a store
// read and a JSON decode of the pod per report fewer; the write's resourceVersion keeps it exact.

import { isConflict, isNotFound } from '../api/errors.js';
import type { Pod, PodStatus } from '../../shared/api/types.js';
import type { PodStatusReport } from '../../shared/protocol/messages.js';
import type { GatewayContext } from './context.js';
import { admitPodStatus } from './node-restriction.js';

const MAX_CONFLICT_RETRIES = 5;

export async function handlePodStatus(
  ctx: GatewayContext,
  node: string,
  namespace: string,
  name: string,
  r: PodStatusReport,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    // First try: the pod as the hub last saw it (the board was sent it), without a store read
    // and a decode. Anything it would refuse is checked against the store before refusing,
    // and a stale copy costs a conflict (its resourceVersion), after which the store is read.
    const held = attempt === 0 ? admittedOnHeld(ctx, node, namespace, name, r) : undefined;
    let pod: Pod;
    let status: PodStatus;
    if (held) ({ pod, status } = held);
    else {
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
      status = admitPodStatus(pod, r.status);
    }
    try {
      await ctx.client.update<Pod>('pods', namespace, { ...pod, status }, 'status');
    } catch (e) {
      if (!isConflict(e) || attempt >= MAX_CONFLICT_RETRIES) throw e;
      continue;
    }
    if (pod.metadata.deletionTimestamp && isTerminal(status))
      await finalize(ctx, node, namespace, name, r.uid);
    return;
  }
}

/** The held pod and its status after the report, when the held copy admits it; else undefined. */
function admittedOnHeld(
  ctx: GatewayContext,
  node: string,
  namespace: string,
  name: string,
  r: PodStatusReport,
): { pod: Pod; status: PodStatus } | undefined {
  const pod = ctx.heldPod?.(namespace, name);
  if (!pod || pod.spec.nodeName !== node || pod.metadata.uid !== r.uid) return undefined;
  try {
    return { pod, status: admitPodStatus(pod, r.status) };
  } catch {
    return undefined;
  }
}

/** Nothing runs any more: a final phase, and every container terminated or never created. */
export function isTerminal(s: PodStatus): boolean {
  if (s.phase !== 'Failed' && s.phase !== 'Succeeded') return false;
  return (s.containerStatuses ?? []).every((c) => !!c.state?.terminated || !c.containerID);
}

async function finalize(ctx: GatewayContext, node: string, ns: string, name: string, uid: string) {
  try {
    await ctx.client.delete('pods', ns, name, { gracePeriodSeconds: 0, preconditions: { uid } });
    ctx.log.debug('pod deletion finalized', { node, pod: `${ns}/${name}` });
  } catch (e) {
    // Gone already, or a new pod of that name (uid precondition): nothing of ours to delete.
    if (isNotFound(e) || isConflict(e)) return;
    throw e;
  }
}
