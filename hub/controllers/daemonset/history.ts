// A DaemonSet's or StatefulSet's history as ControllerRevisions (upstream's constructHistory
// and cleanupHistory), so `kubectl rollout history ds/x` lists it and `rollout undo ds/x`
// patches a revision's data back in. One revision per template hash, named `<ds>-<hash>`,
// holding the strategic merge patch that restores that template; the current template's
// revision has the highest number (a rollback renumbers the revision it returns to); old
// revisions no live pod uses are kept up to revisionHistoryLimit (default 10).

import type { ApiClient } from '../../api/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/errors.js';
import type { ControllerRevision, PodTemplateSpec } from '../../../shared/api/apps.js';
import type { KubeObject } from '../../../shared/api/types.js';
import { newControllerRef } from '../controller-ref.js';
import { REVISION_HASH_LABEL } from './placement.js';
import { jsonClone } from '../../../shared/json-clone.js';

/** Old revisions kept when the DaemonSet does not say (upstream default). */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
/** Copied from the DaemonSet to its revision: the CHANGE-CAUSE column of `rollout history`. */
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

/** What keeps a history: a workload with a pod template (DaemonSet, StatefulSet). */
export interface HistoryOwner extends KubeObject {
  spec: { template: PodTemplateSpec; revisionHistoryLimit?: number };
}

export interface HistoryPlan {
  create?: ControllerRevision;
  /** The current template's revision, to be renumbered past every other (after a rollback). */
  renumber?: { revision: ControllerRevision; to: number };
  remove: ControllerRevision[];
}

export function revisionName(ds: HistoryOwner, hash: string): string {
  return `${ds.metadata.name}-${hash}`;
}

/** The patch `kubectl rollout undo` applies: the whole template, replacing the live one. */
export function revisionData(ds: HistoryOwner): unknown {
  return { spec: { template: { ...jsonClone(ds.spec.template), $patch: 'replace' } } };
}

/** What to create, renumber and delete so the history matches the DaemonSet's template. */
export function planHistory(
  ds: HistoryOwner,
  hash: string,
  owned: ControllerRevision[],
  liveHashes: ReadonlySet<string>,
): HistoryPlan {
  const name = revisionName(ds, hash);
  const max = owned.reduce((m, r) => Math.max(m, r.revision), 0);
  const current = owned.find((r) => r.metadata.name === name);
  const plan: HistoryPlan = { remove: [] };
  if (!current) {
    const cause = ds.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    plan.create = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace: ds.metadata.namespace,
        labels: { ...(ds.spec.template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
        ...(cause ? { annotations: { [CHANGE_CAUSE_ANNOTATION]: cause } } : {}),
        ownerReferences: [newControllerRef(ds)],
      },
      data: revisionData(ds),
      revision: max + 1,
    };
  } else if (owned.some((r) => r !== current && r.revision >= current.revision)) {
    plan.renumber = { revision: current, to: max + 1 };
  }
  const limit = ds.spec.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
  const old = owned
    .filter(
      (r) => r.metadata.name !== name && !liveHashes.has(r.metadata.labels?.[REVISION_HASH_LABEL] ?? ''),
    )
    .sort((a, b) => a.revision - b.revision);
  plan.remove = old.slice(0, Math.max(0, old.length - limit));
  return plan;
}

/**
 * Carries out planHistory for owner: the template's revision first (as upstream), then the
 * renumbering after a rollback, then the old ones past the limit. owned = the revisions it
 * controls; liveHashes = the hashes its pods still carry.
 */
export async function syncHistory(
  client: ApiClient,
  owner: HistoryOwner,
  hash: string,
  owned: ControllerRevision[],
  liveHashes: ReadonlySet<string>,
): Promise<void> {
  const ns = owner.metadata.namespace;
  const plan = planHistory(owner, hash, owned, liveHashes);
  // The informer may not show our last write yet: an existing or changed revision is left
  // to the reconcile its watch event brings.
  const tolerate = (e: unknown) => {
    if (!(isConflict(e) || isNotFound(e) || isAlreadyExists(e))) throw e;
  };
  if (plan.create) await client.create('controllerrevisions', ns, plan.create).catch(tolerate);
  if (plan.renumber)
    await client
      .update<ControllerRevision>('controllerrevisions', ns, {
        ...plan.renumber.revision,
        revision: plan.renumber.to,
      })
      .catch(tolerate);
  for (const r of plan.remove)
    await client.delete('controllerrevisions', ns, r.metadata.name ?? '').catch(tolerate);
}
