// The Deployment's ReplicaSets (deployment sync.go): claim them, tell the new one (same
// template) from the old ones, create the new one with its pod-template-hash, keep the
// revision annotations in step, and scale one with its desired/max annotations.

import {
  type Deployment,
  POD_TEMPLATE_HASH_LABEL,
  type ReplicaSet,
  REVISION_ANNOTATION,
} from '../../../shared/api/apps.js';
import { fromLabelSelector, matches } from '../../../shared/api/labels.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/errors.js';
import { controllerOf, newControllerRef } from '../controller-ref.js';
import { computeHash, equalIgnoreHash } from '../pod-template-hash.js';
import { recordEvent, replaceRS, type SyncContext } from './context.js';
import { hasProgressDeadline } from './progress.js';
import {
  desiredReplicasOf,
  maxRevision,
  replicasAnnotationsNeedUpdate,
  revisionOf,
  setDeploymentRevision,
  setNewRSAnnotations,
  setReplicasAnnotations,
} from './revision.js';
import { byCreation, newRSNewReplicas, replicasOf, specReplicas } from './rollout-math.js';
import {
  getCondition,
  newCondition,
  REASON_FAILED_RS_CREATE,
  REASON_FOUND_NEW_RS,
  REASON_NEW_RS,
  setCondition,
  writeStatus,
} from './status.js';
import { jsonClone } from '../../../shared/json-clone.js';

/** Our ReplicaSets, adopting orphans whose labels match the selector (ClaimReplicaSets). */
export async function claimReplicaSets(ctx: SyncContext, all: ReplicaSet[]): Promise<ReplicaSet[]> {
  const d = ctx.d;
  const sel = fromLabelSelector(d.spec.selector);
  const out: ReplicaSet[] = [];
  for (const rs of all) {
    const ref = controllerOf(rs);
    if (ref) {
      if (ref.uid === d.metadata.uid) out.push(rs);
      continue;
    }
    if (d.metadata.deletionTimestamp || rs.metadata.deletionTimestamp || !matches(sel, rs.metadata.labels))
      continue;
    try {
      const refs = [...(rs.metadata.ownerReferences ?? []), newControllerRef(d)];
      out.push(
        await ctx.client.update<ReplicaSet>('replicasets', rs.metadata.namespace, {
          ...rs,
          metadata: { ...rs.metadata, ownerReferences: refs },
        }),
      );
      ctx.log.info('adopted replicaset', { deployment: d.metadata.name, rs: rs.metadata.name });
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
  }
  return out;
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template equals the deployment's. */
export function findNewRS(d: Deployment, rsList: ReplicaSet[]): ReplicaSet | undefined {
  return byCreation(rsList).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

export function oldRSsOf(rsList: ReplicaSet[], newRS: ReplicaSet | undefined): ReplicaSet[] {
  return rsList.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
}

/** The ReplicaSet the deployment's current template asks for, with the hash label added. */
export function newReplicaSetFor(d: Deployment, hash: string): ReplicaSet {
  const template = jsonClone(d.spec.template) as ReplicaSet['spec']['template'];
  template.metadata ??= {};
  template.metadata.labels = { ...(template.metadata.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const selector = jsonClone(d.spec.selector) as ReplicaSet['spec']['selector'];
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: { ...template.metadata.labels },
      ownerReferences: [newControllerRef(d)],
    },
    spec: {
      replicas: 0,
      ...(d.spec.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}),
      selector,
      template,
    },
  };
}

async function writeDeploymentAnnotations(ctx: SyncContext): Promise<void> {
  ctx.d = await ctx.client.update<Deployment>('deployments', ctx.d.metadata.namespace, ctx.d);
}

/**
 * getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when create is set and none
 * exists) and the old ones; revision annotations brought up to date on both sides.
 */
export async function getAllReplicaSets(
  ctx: SyncContext,
  create: boolean,
): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
  const d = ctx.d;
  const existing = findNewRS(d, ctx.rsList);
  const oldRSs = oldRSsOf(ctx.rsList, existing);
  const newRevision = maxRevision(oldRSs) + 1;
  if (existing) {
    const rs = jsonClone(existing) as ReplicaSet;
    const annotationsChanged = setNewRSAnnotations(d, rs, newRevision, true);
    const minReadyChanged = (rs.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
    let newRS = existing;
    if (annotationsChanged || minReadyChanged) {
      rs.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
      newRS = await ctx.client.update<ReplicaSet>('replicasets', rs.metadata.namespace, rs);
      replaceRS(ctx, newRS);
    }
    if (
      setDeploymentRevision(
        ctx.d,
        newRS.metadata.annotations?.[REVISION_ANNOTATION] ?? String(revisionOf(newRS)),
      )
    )
      await writeDeploymentAnnotations(ctx);
    if (hasProgressDeadline(ctx.d) && !getCondition(ctx.d.status, 'Progressing')) {
      const s = { ...(ctx.d.status ?? {}) };
      setCondition(
        s,
        newCondition(
          'Progressing',
          'True',
          REASON_FOUND_NEW_RS,
          `Found new replica set "${newRS.metadata.name}"`,
        ),
      );
      await writeStatus(ctx, s);
    }
    return { newRS, oldRSs };
  }
  if (!create) return { newRS: undefined, oldRSs };

  const hash = computeHash(d.spec.template, d.status?.collisionCount);
  const rs = newReplicaSetFor(d, hash);
  rs.spec.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
  setNewRSAnnotations(d, rs, newRevision, false);
  let created: ReplicaSet;
  let alreadyExisted = false;
  try {
    created = await ctx.client.create<ReplicaSet>('replicasets', d.metadata.namespace, rs);
  } catch (e) {
    if (!isAlreadyExists(e)) {
      if (hasProgressDeadline(d)) {
        const s = { ...(d.status ?? {}) };
        const msg = `Failed to create new replica set "${rs.metadata.name}": ${(e as Error).message}`;
        setCondition(s, newCondition('Progressing', 'False', REASON_FAILED_RS_CREATE, msg));
        await writeStatus(ctx, s);
      }
      throw e;
    }
    const other = await ctx.client.get<ReplicaSet>(
      'replicasets',
      d.metadata.namespace,
      rs.metadata.name ?? '',
    );
    if (
      controllerOf(other)?.uid !== d.metadata.uid ||
      !equalIgnoreHash(d.spec.template, other.spec.template)
    ) {
      // A different ReplicaSet holds the name: salt the hash (collisionCount) and try again.
      await writeStatus(ctx, { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 });
      ctx.requeueAfterMs = 0;
      return { newRS: undefined, oldRSs };
    }
    created = other;
    alreadyExisted = true;
  }
  replaceRS(ctx, created);
  if (!alreadyExisted && specReplicas(created) > 0)
    await recordEvent(
      ctx,
      'Normal',
      'ScalingReplicaSet',
      `Scaled up replica set ${created.metadata.name} from 0 to ${specReplicas(created)}`,
    );
  if (setDeploymentRevision(ctx.d, String(newRevision))) await writeDeploymentAnnotations(ctx);
  if (!alreadyExisted && hasProgressDeadline(ctx.d)) {
    const s = { ...(ctx.d.status ?? {}) };
    setCondition(
      s,
      newCondition(
        'Progressing',
        'True',
        REASON_NEW_RS,
        `Created new replica set "${created.metadata.name}"`,
      ),
    );
    await writeStatus(ctx, s);
  }
  return { newRS: created, oldRSs };
}

/** scaleReplicaSetAndRecordEvent: true when the size changed. */
export async function scaleReplicaSet(
  ctx: SyncContext,
  rs: ReplicaSet,
  size: number,
): Promise<{ rs: ReplicaSet; scaled: boolean }> {
  const d = ctx.d;
  const sizeChanged = specReplicas(rs) !== size;
  if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, d)) return { rs, scaled: false };
  const copy = jsonClone(rs) as ReplicaSet;
  copy.spec.replicas = size;
  setReplicasAnnotations(copy, d);
  const out = await ctx.client.update<ReplicaSet>('replicasets', copy.metadata.namespace, copy);
  replaceRS(ctx, out);
  if (sizeChanged) {
    const op = size > specReplicas(rs) ? 'up' : 'down';
    ctx.log.info('scaled replicaset', {
      deployment: d.metadata.name,
      rs: rs.metadata.name,
      from: specReplicas(rs),
      to: size,
    });
    await recordEvent(
      ctx,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${op} replica set ${rs.metadata.name} from ${specReplicas(rs)} to ${size}`,
    );
  }
  return { rs: out, scaled: sizeChanged };
}

/** Only a scaling event (not a template change): a ReplicaSet's desired-replicas differs from spec.replicas. */
export function isScalingEvent(ctx: SyncContext): boolean {
  const r = replicasOf(ctx.d);
  return ctx.rsList
    .filter((rs) => specReplicas(rs) > 0)
    .some((rs) => {
      const desired = desiredReplicasOf(rs);
      return desired !== undefined && desired !== r;
    });
}
