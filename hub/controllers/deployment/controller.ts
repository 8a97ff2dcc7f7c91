// Deployment controller: per deployment key `ns/name`, claim its ReplicaSets, then pause/scale
// or roll out (RollingUpdate or Recreate) one step and write status. Fed by watches of
// deployments and replicasets (a ReplicaSet's change enqueues its controlling deployment, an
// orphan's every deployment whose selector matches it). Reads come from the shared informers:
// the deployment, its ReplicaSets by the `owner-uid` index plus the namespace's orphans, and
// (Recreate) the old ReplicaSets' pods by the same index; no LIST per reconcile. A Deployment a
// drover.io Rollout targets (the rollouts' target index) is only scaled and reported on: the
// rollout decides which replicas take the new template. It is not paused for that, so
// `kubectl rollout undo deployment/x` (which refuses a paused one) works under a Rollout too.

import type { ApiClient } from '../../api/client.js';
import { isConflict } from '../../api/errors.js';
import type { EventRecorder } from '../../events/recorder.js';
import type { Deployment, ReplicaSet } from '../../../shared/api/apps.js';
import { fromLabelSelector, matches } from '../../../shared/api/labels.js';
import { createLogger, type Logger } from '../../../shared/log.js';
import { type InformerFactory, InformerUse } from '../../informers/factory.js';
import {
  byRolloutTarget,
  INDEX_CONTROLLER_UID,
  INDEX_ORPHANS,
  INDEX_ROLLOUT_TARGET,
  rolloutTargetKey,
} from '../../informers/indexes.js';
import type { Rollout } from '../../../shared/api/rollout.js';
import type { Informer } from '../../informers/informer.js';
import type { Pod } from '../../../shared/api/types.js';
import { controllerOf, isControlledBy, keyOf } from '../controller-ref.js';
import { type Controller, type Result, Runner, type RunnerOptions } from '../runner.js';
import type { SyncContext } from './context.js';
import { checkPausedConditions } from './progress.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';
import { syncScale } from './scale.js';
import { syncDeploymentStatus } from './status.js';
import { claimReplicaSets, findNewRS, getAllReplicaSets, isScalingEvent } from './sync.js';

export interface DeploymentControllerOptions {
  client: ApiClient;
  /** Events (ScalingReplicaSet) on the deployment; none when omitted. */
  recorder?: EventRecorder;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
}

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  private readonly runner: Runner;
  private readonly log: Logger;
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;
  private readonly rollouts: Informer<Rollout>;
  private readonly informers: InformerUse;

  constructor(private readonly opts: DeploymentControllerOptions) {
    this.log = opts.log ?? createLogger('controller/deployment');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.deployments = this.informers.factory.informer<Deployment>('deployments');
    this.replicaSets = this.informers.factory.informer<ReplicaSet>('replicasets');
    this.pods = this.informers.factory.informer<Pod>('pods');
    this.rollouts = this.informers.factory.informer<Rollout>('rollouts');
    this.rollouts.addIndex(INDEX_ROLLOUT_TARGET, byRolloutTarget);
  }

  async start(): Promise<void> {
    await this.informers.watch<Deployment>('deployments', { onChange: (_t, d) => this.runner.add(keyOf(d)) });
    await this.informers.watch<ReplicaSet>('replicasets', {
      onChange: (_t, rs, old) => this.onReplicaSet(rs, old),
    });
    // Recreate waits for old pods to finish: their changes come through the ReplicaSets'.
    await this.informers.watch<Pod>('pods', { onChange: () => {} });
    // Synced before the first reconcile: a hub restart never rolls a Rollout's Deployment itself.
    // Only a Rollout coming, going or changing its target matters here, not its status writes.
    await this.informers.watch<Rollout>('rollouts', {
      onChange: (type, ro, old) => {
        const target = (r: Rollout | undefined) =>
          r?.spec.targetRef?.kind === 'Deployment'
            ? `${r.metadata.namespace}/${r.spec.targetRef.name}`
            : undefined;
        if (type === 'MODIFIED' && target(old) === target(ro)) return;
        for (const key of new Set([target(ro), target(old)])) if (key) this.runner.add(key);
      },
    });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  private onReplicaSet(rs: ReplicaSet, old: ReplicaSet | undefined): void {
    const ns = rs.metadata.namespace ?? '';
    for (const o of old && old !== rs ? [rs, old] : [rs]) {
      const ref = controllerOf(o);
      if (ref) {
        if (ref.kind === 'Deployment') this.runner.add(`${ns}/${ref.name}`);
        continue;
      }
      for (const d of this.deployments.inNamespace(ns)) {
        try {
          if (matches(fromLabelSelector(d.spec.selector), o.metadata.labels)) this.runner.add(keyOf(d));
        } catch {
          // an invalid selector never matches
        }
      }
    }
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const c = this.opts.client;
    const cached = this.deployments.get(key);
    if (!cached) return undefined;
    // The sync steps edit their deployment in place (as upstream's DeepCopy from the lister).
    const d = structuredClone(cached);
    const ctx: SyncContext = {
      client: c,
      recorder: this.opts.recorder,
      log: this.log,
      d,
      rsList: [],
      podsOf: (uid) => this.pods.byIndex(INDEX_CONTROLLER_UID, uid),
      rolloutManaged:
        this.rollouts.byIndex(
          INDEX_ROLLOUT_TARGET,
          rolloutTargetKey(d.metadata.namespace, 'Deployment', d.metadata.name),
        ).length > 0,
    };
    const all = [
      ...this.replicaSets.byIndex(INDEX_CONTROLLER_UID, d.metadata.uid ?? ''),
      ...this.replicaSets.byIndex(INDEX_ORPHANS, d.metadata.namespace ?? ''),
    ];
    try {
      if (d.metadata.deletionTimestamp) {
        // Being deleted: report status only (garbage collection removes the ReplicaSets).
        ctx.rsList = all.filter((rs) => isControlledBy(rs, d));
        await syncDeploymentStatus(ctx, ctx.rsList, findNewRS(d, ctx.rsList));
        return undefined;
      }
      ctx.rsList = await claimReplicaSets(ctx, all);
      await checkPausedConditions(ctx);
      if (ctx.d.spec.paused || ctx.rolloutManaged) await syncScale(ctx);
      else {
        await getAllReplicaSets(ctx, false);
        if (isScalingEvent(ctx)) await syncScale(ctx);
        else if (ctx.d.spec.strategy?.type === 'Recreate') await rolloutRecreate(ctx);
        else await rolloutRolling(ctx);
      }
    } catch (e) {
      // Someone wrote in between: start over from fresh reads.
      if (isConflict(e)) return { requeue: true };
      throw e;
    }
    if (ctx.requeueAfterMs === undefined) return undefined;
    return ctx.requeueAfterMs > 0 ? { requeueAfterMs: ctx.requeueAfterMs } : { requeue: true };
  }
}
