// A DaemonSet as a rollout target: its units are the boards its template places a pod on.
// Taken over by updateStrategy OnDelete, so a board changes revision only when the rollout
// deletes its pod (the DaemonSet controller recreates it from the current template); reverted
// from the ControllerRevision of the stable revision. Deletions go through expectations.

import { nextImagesFailure, podSpecImages } from '../../../../shared/api/next-images.js';
import type { ControllerRevision, DaemonSet } from '../../../../shared/api/apps.js';
import type { Pod } from '../../../../shared/api/types.js';
import { INDEX_CONTROLLER_UID } from '../../../informers/indexes.js';
import { placement, REVISION_HASH_LABEL, targetNode, templatePod } from '../../daemonset/placement.js';
import { computeHash } from '../../pod-template-hash.js';
import type { BoardView } from '../health.js';
import { revisionOf } from '../health.js';
import type { RolloutTarget } from '../target.js';
import { createdMs, nodeReady, type TargetDeps } from './deps.js';

function boardsOf(deps: TargetDeps, ds: DaemonSet): Map<string, BoardView> {
  const out = new Map<string, BoardView>();
  const tmpl = templatePod(ds);
  for (const n of deps.nodes.list())
    if (placement(tmpl, n).shouldContinueRunning)
      out.set(n.metadata.name ?? '', {
        node: n.metadata.name ?? '',
        nodeReady: nodeReady(n),
        terminating: false,
      });
  for (const p of deps.pods.byIndex(INDEX_CONTROLLER_UID, ds.metadata.uid ?? '')) {
    const node = targetNode(p);
    if (!node) continue;
    const b = out.get(node) ?? {
      node,
      nodeReady: nodeReady(deps.nodes.get(`/${node}`)),
      terminating: false,
    };
    if (p.metadata.deletionTimestamp) {
      b.terminating = true;
      b.pullFailure ??= nextImagesFailure(p);
    } else if (!b.pod || createdMs(p) > createdMs(b.pod)) b.pod = p;
    out.set(node, b);
  }
  return out;
}

export function daemonSetTarget(deps: TargetDeps, ds: DaemonSet): RolloutTarget {
  const ns = ds.metadata.namespace;
  const name = ds.metadata.name ?? '';
  const boards = boardsOf(deps, ds);
  const podsOf = (units: string[]) => units.map((u) => boards.get(u)?.pod).filter((p): p is Pod => !!p);
  return {
    kind: 'DaemonSet',
    name,
    // The hash the DaemonSet controller labels the template's pods with.
    hash: computeHash(ds.spec.template, ds.status?.collisionCount),
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
