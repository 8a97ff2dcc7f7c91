// `drover rollout undo NAME [--to-revision N]`: puts a revision of the Rollout's target back
// into it, as `kubectl rollout undo` does for that kind (the Rollout then rolls it out in its
// waves): a DaemonSet gets its ControllerRevision's data (a strategic merge patch), a
// Deployment its ReplicaSet's template (a JSON patch replacing spec.template, as kubectl's).

import type { ApiClient } from '../hub/api/client.js';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet } from '../shared/api/apps.js';
import { pickRevision, revisionNumber, templateOfReplicaSet } from '../shared/api/rollback.js';
import type { Rollout } from '../shared/api/rollout.js';
import type { KubeObject } from '../shared/api/types.js';

const ownedBy = (owner: KubeObject) => (o: KubeObject) =>
  o.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid) ?? false;

function notFound(toRevision: string | undefined): Error {
  return new Error(toRevision ? `revision ${toRevision} not found` : 'no previous revision to go back to');
}

/** Puts the revision back; the line to print. */
export async function undoRollout(
  client: ApiClient,
  ro: Rollout,
  ns: string,
  toRevision: string | undefined,
): Promise<string> {
  const { kind, name } = ro.spec.targetRef;
  if (kind === 'DaemonSet') {
    const ds = await client.get<DaemonSet>('daemonsets', ns, name);
    const revs = (await client.list<ControllerRevision>('controllerrevisions', ns)).items.filter(ownedBy(ds));
    const target = pickRevision(revs, toRevision);
    if (!target) throw notFound(toRevision);
    await client.patch('daemonsets', ns, name, target.data, 'strategic');
    return `daemonset/${name} back to revision ${target.revision}`;
  }
  if (kind === 'Deployment') {
    const d = await client.get<Deployment>('deployments', ns, name);
    const rss = (await client.list<ReplicaSet>('replicasets', ns)).items.filter(ownedBy(d));
    const target = pickRevision(rss, toRevision);
    if (!target) throw notFound(toRevision);
    const value = templateOfReplicaSet(target);
    await client.patch('deployments', ns, name, [{ op: 'replace', path: '/spec/template', value }], 'json');
    return `deployment/${name} back to revision ${revisionNumber(target)}`;
  }
  throw new Error(
    `a Rollout of the ${kind} has no revisions to go back to: set spec.agentVersion to the version wanted`,
  );
}
