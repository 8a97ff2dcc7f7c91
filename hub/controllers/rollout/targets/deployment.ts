// A Deployment as a rollout target: its units are replica slots (replica-0 .. replica-N-1),
// filled by its pods with the current template's first, then the oldest. The Deployment
// controller leaves a Deployment a Rollout targets alone (it neither creates the new ReplicaSet
// nor resizes any: hub/controllers/deployment/scale.ts), without pausing it, so `kubectl rollout
// undo` still works; taking over only marks it as the rollout's (ROLLOUT_MANAGED_ANNOTATION),
// for people. The rollout splits spec.replicas between the new ReplicaSet and the old ones,
// never above spec.replicas in total (no surge: a slot's old pod goes as its new one comes), as
// Argo Rollouts owns its canary's ReplicaSets. Every write is an absolute replica count, so a
// reconcile on a stale cache writes the same numbers again (nothing to expect).

import { type Deployment, POD_TEMPLATE_HASH_LABEL, type ReplicaSet } from '../../../../shared/api/apps.js';
import { templateOfReplicaSet } from '../../../../shared/api/rollback.js';
import { ROLLOUT_MANAGED_ANNOTATION } from '../../../../shared/api/rollout.js';
import type { Pod } from '../../../../shared/api/types.js';
import { isAlreadyExists } from '../../../api/errors.js';
import { INDEX_CONTROLLER_UID } from '../../../informers/indexes.js';
import { replicasOf, specReplicas } from '../../deployment/rollout-math.js';
import { newReplicaSetFor } from '../../deployment/sync.js';
import { computeHash } from '../../pod-template-hash.js';
import type { BoardView } from '../health.js';
import { revisionOf } from '../pod-facts.js';
import type { RolloutTarget } from '../target.js';
import { createdMs, nodeReady, type TargetDeps } from './deps.js';

/** replica-0 .. replica-(n-1), zero-padded so name order is slot order. */
export function slotNames(n: number): string[] {
  const width = String(Math.max(0, n - 1)).length;
  return Array.from({ length: n }, (_, i) => `replica-${String(i).padStart(width, '0')}`);
}

function slotsOf(
  deps: TargetDeps,
  rss: ReplicaSet[],
  replicas: number,
  hash: string,
): Map<string, BoardView> {
  const pods: Pod[] = [];
  let terminating = 0;
  for (const rs of rss)
    for (const p of deps.pods.byIndex(INDEX_CONTROLLER_UID, rs.metadata.uid ?? ''))
      p.metadata.deletionTimestamp ? terminating++ : pods.push(p);
  pods.sort((a, b) => {
    const cur = Number(revisionOf(b) === hash) - Number(revisionOf(a) === hash);
    return cur || createdMs(a) - createdMs(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
  });
  const out = new Map<string, BoardView>();
  slotNames(replicas).forEach((slot, i) => {
    const pod = pods[i];
    const node = pod?.spec.nodeName;
    out.set(slot, {
      node: slot,
      // A replica on a board that went offline is pending, as a board is.
      nodeReady: node ? nodeReady(deps.nodes.get(`/${node}`)) : true,
      pod,
      terminating: !pod && terminating > 0,
    });
  });
  return out;
}

export function deploymentTarget(deps: TargetDeps, d: Deployment): RolloutTarget {
  const ns = d.metadata.namespace;
  const name = d.metadata.name ?? '';
  const replicas = replicasOf(d);
  const hash = computeHash(d.spec.template, d.status?.collisionCount);
  const rss = deps.replicaSets.byIndex(INDEX_CONTROLLER_UID, d.metadata.uid ?? '');
  const rsOf = (revision: string) =>
    rss.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === revision);
  const boards = slotsOf(deps, rss, replicas, hash);

  async function scale(rs: ReplicaSet, n: number): Promise<void> {
    if (specReplicas(rs) === n) return;
    await deps.client.patch('replicasets', ns, rs.metadata.name ?? '', { spec: { replicas: n } }, 'merge');
  }

  /** The current template's ReplicaSet, created (with 0 replicas) when missing. */
  async function currentRS(): Promise<ReplicaSet> {
    const have = rsOf(hash);
    if (have) return have;
    const rs = newReplicaSetFor(d, hash);
    try {
      return await deps.client.create<ReplicaSet>('replicasets', ns, rs);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      return deps.client.get<ReplicaSet>('replicasets', ns, rs.metadata.name ?? '');
    }
  }

  /** Pods of these ReplicaSets not being deleted. */
  const liveIn = (sets: ReplicaSet[]) =>
    sets.reduce(
      (sum, rs) =>
        sum +
        deps.pods
          .byIndex(INDEX_CONTROLLER_UID, rs.metadata.uid ?? '')
          .filter((p) => !p.metadata.deletionTimestamp).length,
      0,
    );

  /**
   * The current ReplicaSet grows towards n only into the room the others' pods have left: the
   * ReplicaSet controller may create the new pods before it deletes the old (two keys in its
   * queue), so sizing both at once would surge; converge() grows it as the old pods go.
   */
  async function grow(cur: ReplicaSet, others: ReplicaSet[], n: number): Promise<void> {
    await scale(cur, Math.max(specReplicas(cur), Math.min(n, replicas - liveIn(others))));
  }

  /** The current ReplicaSet gets n replicas, the others share the rest (largest kept first); down before up. */
  async function split(n: number): Promise<void> {
    const cur = await currentRS();
    let rest = replicas - n;
    const others = rss
      .filter((rs) => rs.metadata.uid !== cur.metadata.uid)
      .sort((a, b) => specReplicas(b) - specReplicas(a));
    for (const rs of others) {
      const keep = Math.min(specReplicas(rs), rest);
      rest -= keep;
      await scale(rs, keep);
    }
    await grow(cur, others, n);
  }

  const onCurrent = () => [...boards.values()].filter((b) => b.pod && revisionOf(b.pod) === hash).length;

  return {
    kind: 'Deployment',
    name,
    hash,
    boards,
    // Replica slots are not boards: selector waves take none of them (validation refuses them).
    labels: () => undefined,
    async takeOver(ro) {
      if (d.metadata.annotations?.[ROLLOUT_MANAGED_ANNOTATION] === ro.metadata.name) return undefined;
      await deps.client.patch(
        'deployments',
        ns,
        name,
        { metadata: { annotations: { [ROLLOUT_MANAGED_ANNOTATION]: ro.metadata.name } } },
        'merge',
      );
      return `Deployment ${name}: its ReplicaSets sized by the rollout`;
    },
    async revert(revision) {
      const rs = rsOf(revision);
      if (!rs) return false;
      const template = templateOfReplicaSet(rs);
      await deps.client.update<Deployment>('deployments', ns, { ...d, spec: { ...d.spec, template } });
      return true;
    },
    settled: () => true,
    async converge() {
      const cur = rsOf(hash);
      if (!cur) return;
      const others = rss.filter((rs) => rs !== cur);
      await grow(cur, others, replicas - others.reduce((sum, rs) => sum + specReplicas(rs), 0));
    },
    async update(_ro, units) {
      const cur = rsOf(hash);
      const want = Math.min(replicas, Math.max(specReplicas(cur), onCurrent() + units.length));
      await split(want);
    },
    async restore(_ro, revision) {
      await split(replicas);
      const all = [...boards.values()];
      return (
        all.every((b) => !b.nodeReady || (b.pod && revisionOf(b.pod) === revision)) &&
        all.filter((b) => b.terminating).length === 0 &&
        rss.every(
          (rs) =>
            rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === revision || (rs.status?.replicas ?? 0) === 0,
        )
      );
    },
  };
}
