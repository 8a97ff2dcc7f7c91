// What the scheduler writes to the API besides events: the Binding, and the PodScheduled=False
// condition (reason Unschedulable) that `kubectl describe pod` shows.

import type { Binding, Pod, PodCondition } from '../../shared/api/types.js';
import type { ApiClient } from '../api/client.js';
import { isConflict } from '../api/errors.js';

export async function bindPod(client: ApiClient, pod: Pod, nodeName: string): Promise<void> {
  const namespace = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name ?? '';
  const binding: Binding = {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name, namespace, ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}) },
    target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
  };
  await client.createSubresource('pods', namespace, name, 'binding', binding);
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Sets PodScheduled=False/Unschedulable with the message (read-modify-write through the status
 * subresource, retried on conflict). Skips the write when nothing would change, and stops when
 * the pod got bound or deleted meanwhile. Returns whether it wrote.
 */
export async function markUnschedulable(
  client: ApiClient,
  namespace: string,
  name: string,
  message: string,
  attempts: number,
): Promise<boolean> {
  for (let i = 1; ; i++) {
    const pod = await client.get<Pod>('pods', namespace, name);
    if (pod.spec.nodeName) return false;
    const conditions = pod.status?.conditions ?? [];
    const old = conditions.find((c) => c.type === 'PodScheduled');
    if (old?.status === 'False' && old.reason === 'Unschedulable' && old.message === message) return false;
    const cond: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      lastProbeTime: null,
      lastTransitionTime:
        old?.status === 'False' && old.lastTransitionTime ? old.lastTransitionTime : timestamp(),
      reason: 'Unschedulable',
      message,
    };
    const next: Pod = {
      ...pod,
      status: { ...pod.status, conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), cond] },
    };
    try {
      await client.update<Pod>('pods', namespace, next, 'status');
      return true;
    } catch (e) {
      if (!isConflict(e) || i >= attempts) throw e;
    }
  }
}
