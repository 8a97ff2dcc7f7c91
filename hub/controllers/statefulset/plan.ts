// What a StatefulSet's controller does next (pure; upstream stateful_set_control.go): failed
// pods are deleted to be made again; missing ordinals are created lowest first and, under
// OrderedReady, only once every lower pod is Running and Ready; pods past the replica count
// go highest first, one at a time under OrderedReady and only while the rest are healthy; with
// the RollingUpdate strategy and every pod healthy, the highest pod at or above the partition
// that is not of the update revision is deleted (it comes back from the new template). Status
// counts what the pods show.

import {
  CONTROLLER_REVISION_HASH_LABEL,
  type StatefulSet,
  type StatefulSetStatus,
} from '../../../shared/api/statefulset.js';
import type { Pod } from '../../../shared/api/types.js';
import { isPodAvailable, isPodReady } from '../active-pods.js';
import { ordinalOf, revisionOf } from './pods.js';

export interface SetPlan {
  create: number[];
  delete: Pod[];
  status: StatefulSetStatus;
  /** When a Ready pod turns available (minReadySeconds), ms from now. */
  recheckMs?: number;
}

const healthy = (p: Pod) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && isPodReady(p);
const finished = (p: Pod) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';

/** pods = the pods the set controls. */
export function planStatefulSet(set: StatefulSet, pods: Pod[], now: number): SetPlan {
  const start = set.spec.ordinals?.start ?? 0;
  const replicas = set.spec.replicas ?? 1;
  const ordered = (set.spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
  const update = revisionOf(set);
  const byOrdinal = new Map<number, Pod>();
  const condemned: Pod[] = [];
  for (const p of pods) {
    const o = ordinalOf(set, p);
    if (o !== undefined && o >= start && o < start + replicas) byOrdinal.set(o, p);
    else condemned.push(p);
  }
  const create: number[] = [];
  const del: Pod[] = [];
  let blocked = false;
  for (let o = start; o < start + replicas; o++) {
    const p = byOrdinal.get(o);
    if (p && finished(p) && !p.metadata.deletionTimestamp) del.push(p);
    if (blocked) continue;
    if (!p) create.push(o);
    if (ordered && (!p || !healthy(p))) blocked = true;
  }
  condemned.sort((a, b) => (ordinalOf(set, b) ?? -1) - (ordinalOf(set, a) ?? -1));
  const live = condemned.filter((p) => !p.metadata.deletionTimestamp);
  if (!ordered) del.push(...live);
  else if (!blocked && live.length && live.length === condemned.length) del.push(live[0]);

  const all = [...byOrdinal.values()];
  const strategy = set.spec.updateStrategy?.type ?? 'RollingUpdate';
  if (
    strategy === 'RollingUpdate' &&
    !blocked &&
    create.length === 0 &&
    condemned.length === 0 &&
    del.length === 0 &&
    all.every(healthy)
  ) {
    const partition = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    const stale = all
      .filter((p) => (ordinalOf(set, p) ?? 0) - start >= partition)
      .filter((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== update)
      .sort((a, b) => (ordinalOf(set, b) ?? 0) - (ordinalOf(set, a) ?? 0));
    if (stale.length) del.push(stale[0]);
  }

  const active = pods.filter((p) => !p.metadata.deletionTimestamp);
  const minReady = set.spec.minReadySeconds ?? 0;
  const rev = (p: Pod) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  const updated = active.filter((p) => rev(p) === update).length;
  const current =
    updated === replicas && active.length === replicas ? update : (set.status?.currentRevision ?? update);
  let recheckMs: number | undefined;
  let available = 0;
  for (const p of active) {
    if (!healthy(p)) continue;
    if (isPodAvailable(p, minReady, now)) available++;
    else recheckMs = Math.min(recheckMs ?? Number.POSITIVE_INFINITY, minReady * 1000);
  }
  return {
    create,
    delete: del,
    status: {
      observedGeneration: set.metadata.generation ?? 1,
      replicas: active.length,
      readyReplicas: active.filter(healthy).length,
      currentReplicas: active.filter((p) => rev(p) === current).length,
      updatedReplicas: updated,
      availableReplicas: available,
      currentRevision: current,
      updateRevision: update,
      ...(set.status?.collisionCount !== undefined ? { collisionCount: set.status.collisionCount } : {}),
    },
    ...(recheckMs !== undefined ? { recheckMs } : {}),
  };
}
