// Which pods a workload controls (upstream's PodControllerRefManager.ClaimPods), shared by the
// ReplicaSet and StatefulSet controllers: of the candidates (its pods by the owner-uid index and
// the namespace's orphans), it keeps the pods it controls that its selector matches, adopts the
// matching orphans (a controller ownerReference added) and releases the pods it controls that
// stopped matching (its ownerReference removed). Terminating pods are neither adopted nor
// released, and an owner being deleted adopts nothing. A write that meets a conflict or a
// vanished pod is left to the next reconcile: the pod's change will queue the owner again.

import type { ApiClient } from '../api/client.js';
import { isConflict, isNotFound } from '../api/errors.js';
import type { KubeObject, Pod } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';
import { controllerOf, keyOf, newControllerRef } from './controller-ref.js';

/** The pods owner controls after adopting and releasing; `selects` is its selector. */
export async function claimPods(
  client: ApiClient,
  owner: KubeObject,
  selects: (p: Pod) => boolean,
  candidates: readonly Pod[],
  log: Logger,
): Promise<Pod[]> {
  const out: Pod[] = [];
  const ownerKey = `${owner.kind} ${keyOf(owner)}`;
  const setRefs = (p: Pod, ownerReferences: NonNullable<Pod['metadata']['ownerReferences']>) =>
    tolerated(() =>
      client.update<Pod>('pods', p.metadata.namespace, {
        ...p,
        metadata: { ...p.metadata, ownerReferences },
      }),
    );
  for (const p of candidates) {
    const ref = controllerOf(p);
    const match = selects(p);
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (match) {
        out.push(p);
        continue;
      }
      if (p.metadata.deletionTimestamp) continue;
      await setRefs(
        p,
        (p.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid),
      );
      log.info('released pod', { owner: ownerKey, pod: p.metadata.name });
      continue;
    }
    if (!match || p.metadata.deletionTimestamp || owner.metadata.deletionTimestamp) continue;
    const adopted = await setRefs(p, [...(p.metadata.ownerReferences ?? []), newControllerRef(owner)]);
    if (adopted) {
      log.info('adopted pod', { owner: ownerKey, pod: p.metadata.name });
      out.push(adopted);
    }
  }
  return out;
}

/** Runs a write; a conflict or a vanished object gives undefined (left to the next reconcile). */
async function tolerated<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (isConflict(e) || isNotFound(e)) return undefined;
    throw e;
  }
}
