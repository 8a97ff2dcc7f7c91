// The writes of a pod-owning controller (ReplicaSet, DaemonSet, Job) and the events they cause,
// kept in step with its expectations as upstream's controllers do: expectations are raised
// before the writes, and a write that fails (or is never attempted) counts as observed, since
// the informer will never show it. The informer's pod events lower them again.

import type { Pod } from '../../shared/api/types.js';
import type { ChangeType } from '../informers/informer.js';
import { controllerOf, keyOf } from './controller-ref.js';
import type { Expectations } from './expectations.js';
import { slowStartBatch } from './slow-start.js';

/**
 * A pod event seen by a controller of `kind` (upstream's addPod/updatePod/deletePod): lowers the
 * owner's expectations and returns the owner's key, or undefined for a pod it does not own.
 */
export function observeOwnedPod(
  expectations: Expectations,
  kind: string,
  type: ChangeType,
  pod: Pod,
): string | undefined {
  const ref = controllerOf(pod);
  if (ref?.kind !== kind) return undefined;
  const key = `${pod.metadata.namespace ?? ''}/${ref.name}`;
  if (type === 'ADDED') expectations.creationObserved(key);
  if (type === 'DELETED' || pod.metadata.deletionTimestamp) expectations.deletionObserved(key, keyOf(pod));
  return key;
}

/** Runs `count` creates for key in slow-start batches; returns how many succeeded, throws the first error. */
export async function createExpected(
  expectations: Expectations,
  key: string,
  count: number,
  create: (i: number) => Promise<void>,
): Promise<number> {
  if (count <= 0) return 0;
  expectations.expectCreations(key, count);
  const r = await slowStartBatch(count, async (i) => {
    try {
      await create(i);
    } catch (e) {
      expectations.creationObserved(key);
      throw e;
    }
  });
  for (let i = 0; i < r.skipped; i++) expectations.creationObserved(key);
  if (r.error !== undefined) throw r.error;
  return r.succeeded;
}

/**
 * Deletes pods for key, all at once; an error that `tolerate` accepts (the pod is gone already, or
 * was replaced) is not rethrown.
 */
export async function deleteExpected(
  expectations: Expectations,
  key: string,
  pods: readonly Pod[],
  remove: (pod: Pod) => Promise<void>,
  tolerate: (e: unknown) => boolean = () => false,
): Promise<void> {
  if (pods.length === 0) return;
  expectations.expectDeletions(key, pods.map(keyOf));
  await Promise.all(
    pods.map(async (p) => {
      try {
        await remove(p);
      } catch (e) {
        expectations.deletionObserved(key, keyOf(p));
        if (!tolerate(e)) throw e;
      }
    }),
  );
}
