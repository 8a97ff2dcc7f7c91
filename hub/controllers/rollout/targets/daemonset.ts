// A DaemonSet as a rollout target: its units are the boards its template places a pod on.
// Taken over by updateStrategy OnDelete, so a board changes revision only when the rollout
// deletes its pod (the DaemonSet controller recreates it from the current template); reverted
// from the ControllerRevision of the stable revision. Deletions go through expectations.

import { nextImagesFailure, podSpecImages } from '../../../../shared/api/next-images.js';
import type { ControllerRevision, DaemonSet } from '../../../../shared/api/apps.js';
import type { Node, Pod } from '../../../../shared/api/types.js';
import { INDEX_CONTROLLER_UID } from '../../../informers/indexes.js';
import { placement, REVISION_HASH_LABEL, templatePod } from '../../daemonset/placement.js';
import { computeHash } from '../../pod-template-hash.js';
import type { BoardView } from '../health.js';
import { podFacts, revisionOf } from '../pod-facts.js';
import type { RolloutTarget } from '../target.js';
import { nodeReady, type TargetDeps } from './deps.js';

/**
 * A node's part of its board view, kept per node object and template revision: a reconcile
 * builds every board's view, and placing the template on each node again (selectors,
 * affinity, taints) was most of that at thousands of boards. An informer replaces a node's
 * object on every change, so a kept view is never stale (pod-facts.ts).
 */
const nodeViews = new WeakMap<Node, { hash: string; runs: boolean; ready: boolean }>();

function boardsOf(deps: TargetDeps, ds: DaemonSet, hash: string): Map<string, BoardView> {
  const out = new Map<string, BoardView>();
  let tmpl: Pod | undefined;
  for (const n of deps.nodes.list()) {
    let v = nodeViews.get(n);
    if (v?.hash !== hash) {
      tmpl ??= templatePod(ds);
      v = { hash, runs: placement(tmpl, n).shouldContinueRunning, ready: nodeReady(n) };
      nodeViews.set(n, v);
    }
    if (v.runs)
      out.set(n.metadata.name ?? '', { node: n.metadata.name ?? '', nodeReady: v.ready, terminating: false });
  }
  for (const p of deps.pods.byIndex(INDEX_CONTROLLER_UID, ds.metadata.uid ?? '')) {
    const f = podFacts(p);
    const node = f.node;
    if (!node) continue;
    const b = out.get(node) ?? {
      node,
      nodeReady: nodeReady(deps.nodes.get(`/${node}`)),
      terminating: false,
    };
    if (p.metadata.deletionTimestamp) {
      b.terminating = true;
      b.pullFailure ??= nextImagesFailure(p);
    } else if (!b.pod || (f.createdMs || 0) > (podFacts(b.pod).createdMs || 0)) b.pod = p;
    out.set(node, b);
  }
  return out;
}

export function daemonSetTarget(deps: TargetDeps, ds: DaemonSet): RolloutTarget {
  const ns = ds.metadata.namespace;
  const name = ds.metadata.name ?? '';
  // The hash the DaemonSet controller labels the template's pods with.
  const hash = computeHash(ds.spec.template, ds.status?.collisionCount);
  const boards = boardsOf(deps, ds, hash);
  const podsOf = (units: string[]) => units.map((u) => boards.get(u)?.pod).filter((p): p is Pod => !!p);
  return {
    kind: 'DaemonSet',
    name,
    hash,
    boards,
    labels: (unit) => deps.nodes.get(`/${unit}`)?.metadata.labels,
    async takeOver() {
      if (ds.spec.updateStrategy?.type === 'OnDelete') return undefined;
      await deps.client.patch(
        'daemonsets',
        ns,
        name,
        { spec: { updateStrategy: { type: 'OnDelete', rollingUpdate: null } } },
        'merge',
      );
      return `DaemonSet ${name}: updateStrategy set to OnDelete`;
    },
    async revert(revision) {
      const rev = deps.revisions
        .byIndex(INDEX_CONTROLLER_UID, ds.metadata.uid ?? '')
        .find((r: ControllerRevision) => r.metadata.labels?.[REVISION_HASH_LABEL] === revision);
      if (!rev) return false;
      await deps.client.patch('daemonsets', ns, name, rev.data, 'strategic');
      return true;
    },
    settled: (ro) => deps.settled(ro),
    update: (ro, units, why) => deps.deletePods(ro, podsOf(units), why, podSpecImages(ds.spec.template.spec)),
    async restore(ro, revision) {
      if (!deps.settled(ro)) return false;
      const bad: Pod[] = [];
      let waiting = 0;
      for (const b of boards.values()) {
        if (b.pod && revisionOf(b.pod) !== revision) bad.push(b.pod);
        else if (b.nodeReady && (!b.pod || b.terminating)) waiting++;
      }
      if (bad.length) {
        await deps.deletePods(
          ro,
          bad,
          `rollback to revision ${revision}`,
          podSpecImages(ds.spec.template.spec),
        );
        return false;
      }
      return waiting === 0;
    },
  };
}
