// Rollout controller (drover.io/v1alpha1 Rollout, issue #10): rolls a DaemonSet's new template
// across the fleet in waves, each held by a health gate, and rolls the whole fleet back to the
// last good ControllerRevision when a gate fails or the rollout is aborted. Level-based: the
// shared runner calls reconcile(key), which re-reads the Rollout, its DaemonSet, the pods (by
// the owner-uid index) and nodes from the shared informers and runs the named steps
// (steps.ts); everything it needs to continue after a hub restart is in the Rollout's status.
// Pod deletions are tracked with expectations (expectations.ts), as the DaemonSet controller's.

import { announceNextImages } from '../next-images.js';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet } from '../../../shared/api/apps.js';
import { AGENT_VERSION_ANNOTATION, type Rollout } from '../../../shared/api/rollout.js';
import type { Node, Pod } from '../../../shared/api/types.js';
import { createLogger, type Logger } from '../../../shared/log.js';
import type { ApiClient } from '../../api/client.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import { type StatusWrite, writeStatusIfChanged } from '../status-write.js';
import type { EventRecorder } from '../../events/recorder.js';
import { type InformerFactory, InformerUse } from '../../informers/factory.js';
import { byRolloutTarget, INDEX_ROLLOUT_TARGET, rolloutTargetKey } from '../../informers/indexes.js';
import type { ChangeType, Informer } from '../../informers/informer.js';
import { controllerOf, keyOf } from '../controller-ref.js';
import { Expectations } from '../expectations.js';
import { type Controller, DEFAULT_COALESCE_MS, type Result, Runner, type RunnerOptions } from '../runner.js';
import type { RolloutContext, RolloutOps } from './context.js';
import { Paces } from './pace.js';
import { WavePlans } from './plan-cache.js';
import { buildStatus } from './status.js';
import { ROLLOUT_STEPS } from './steps.js';
import type { RolloutTarget } from './target.js';
import { agentTarget, agentVersionOf, reportedVersion } from './targets/agent.js';
import { daemonSetTarget } from './targets/daemonset.js';
import { nodeReady, type TargetDeps } from './targets/deps.js';
import { deploymentTarget } from './targets/deployment.js';
import { jsonClone } from '../../../shared/json-clone.js';

/**
 * How long pod and node changes are gathered into one reconcile, per board of the rollout, ms
 * (never less than the runner's coalescing). A reconcile judges every board, so at a fixed
 * 100 ms a 10,000-board rollout spent a large share of a core on reconciles; 0.1 ms per board
 * (1 s at 10,000) keeps that share about the same at any fleet size. Time-based wakes (soak
 * done, board timeout) wait as long: a gate passes or fails that much later, at most.
 */
export const COALESCE_MS_PER_BOARD = 0.1;

export interface RolloutControllerOptions {
  client: ApiClient;
  recorder?: EventRecorder;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
  /** Unmet expectations expire after this long, ms. Default 5 min (upstream). */
  expectationsTimeoutMs?: number;
}

export class RolloutController implements Controller {
  readonly name = 'rollout';
  private readonly runner: Runner;
  private readonly log: Logger;
  private readonly informers: InformerUse;
  private readonly rollouts: Informer<Rollout>;
  private readonly replicaSets: Informer<ReplicaSet>;
  readonly expectations: Expectations;
  private readonly deps: TargetDeps;
  private readonly ops: RolloutOps;
  /** resourceVersion of each Rollout's last status write: an older cached copy is not acted on. */
  private readonly written = new Map<string, number>();
  /** Rollouts whose reconcile found the informer behind its last status write (stale). */
  private readonly behind = new Set<string>();
  /** Rollouts with a status write under way: the resourceVersions of their events meanwhile. */
  private readonly writing = new Map<string, number[]>();
  private readonly plans = new WavePlans();
  private readonly paces = new Paces();
  /** Boards of each rollout at its last reconcile. */
  private readonly fleetSize = new Map<string, number>();

  constructor(private readonly opts: RolloutControllerOptions) {
    this.log = opts.log ?? createLogger('controller/rollout');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.rollouts = this.informers.factory.informer<Rollout>('rollouts');
    this.rollouts.addIndex(INDEX_ROLLOUT_TARGET, byRolloutTarget);
    const f = this.informers.factory;
    this.replicaSets = f.informer<ReplicaSet>('replicasets');
    this.expectations = new Expectations(opts.expectationsTimeoutMs);
    this.deps = {
      client: opts.client,
      nodes: f.informer<Node>('nodes'),
      pods: f.informer<Pod>('pods'),
      daemonSets: f.informer<DaemonSet>('daemonsets'),
      deployments: f.informer<Deployment>('deployments'),
      replicaSets: this.replicaSets,
      revisions: f.informer<ControllerRevision>('controllerrevisions'),
      deletePods: (ro, pods, why, next) => this.deletePods(ro, pods, why, next),
      settled: (ro) => this.expectations.satisfied(keyOf(ro)),
    };
    this.ops = {
      target: (ro) => this.targetOf(ro),
      event: (ro, type, reason, message) => {
        this.log.info(reason, { rollout: keyOf(ro), message });
        void this.opts.recorder?.record(ro, type, reason, message).catch(() => {});
      },
      plan: (ro, boards) => this.plans.plan(keyOf(ro), ro.spec, boards),
      pace: (ro, perMinute, wanted, now) => this.paces.take(keyOf(ro), perMinute, wanted, now),
    };
  }

  idle(): boolean {
    return this.runner.idle();
  }

  async start(): Promise<void> {
    await this.informers.watch<Rollout>('rollouts', { onChange: (t, ro) => this.onRollout(t, ro) });
    await this.informers.watch<DaemonSet>('daemonsets', {
      onChange: (t, ds, old) => {
        // Of a DaemonSet's status a rollout reads only collisionCount (its template's hash):
        // the status the DaemonSet controller writes as every board's pod changes brought a
        // whole-fleet reconcile each, at once (issue #10, hub CPU).
        if (
          t === 'MODIFIED' &&
          old &&
          ds.metadata.generation === old.metadata.generation &&
          ds.status?.collisionCount === old.status?.collisionCount
        )
          return;
        this.enqueueFor(ds.metadata.namespace, 'DaemonSet', ds.metadata.name);
      },
    });
    await this.informers.watch<Deployment>('deployments', {
      onChange: (_t, d) => this.enqueueFor(d.metadata.namespace, 'Deployment', d.metadata.name),
    });
    await this.informers.watch<ReplicaSet>('replicasets', {
      onChange: (_t, rs) => {
        const ref = controllerOf(rs);
        if (ref?.kind === 'Deployment') this.enqueueFor(rs.metadata.namespace, 'Deployment', ref.name);
      },
    });
    await this.informers.watch<Pod>('pods', { onChange: (t, p) => this.onPod(t, p) });
    await this.informers.watch<Node>('nodes', { onChange: (t, n, old) => this.onNode(t, n, old) });
    await this.informers.watch<ControllerRevision>('controllerrevisions', { onChange: () => {} });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  /** Rollouts targeting the workload kind namespace/name: O(answer), from the target index. */
  private targeting(namespace: string | undefined, kind: string, name: string | undefined): Rollout[] {
    return this.rollouts.byIndex(INDEX_ROLLOUT_TARGET, rolloutTargetKey(namespace, kind, name));
  }

  private enqueueFor(namespace: string | undefined, kind: string, name: string | undefined): void {
    for (const ro of this.targeting(namespace, kind, name)) this.runner.add(keyOf(ro));
  }

  /** The workload a pod belongs to: its DaemonSet, or its ReplicaSet's Deployment. */
  private workloadOf(p: Pod): { kind: string; name: string } | undefined {
    const ref = controllerOf(p);
    if (ref?.kind === 'DaemonSet') return ref;
    if (ref?.kind !== 'ReplicaSet') return undefined;
    const rs = this.replicaSets.get(`${p.metadata.namespace}/${ref.name}`);
    const owner = rs && controllerOf(rs);
    return owner?.kind === 'Deployment' ? owner : undefined;
  }

  private onRollout(type: ChangeType, ro: Rollout): void {
    const key = keyOf(ro);
    const rv = Number(ro.metadata.resourceVersion);
    // Our own status write coming back brings nothing the reconcile that wrote it did not act
    // on: a status write leaves the spec alone and was conditional on the resourceVersion read.
    // Reconciling it again walked the whole fleet once more for most pod changes of a rollout.
    // The event may come before the write's answer (in-process API): decided once it is in.
    const during = this.writing.get(key);
    if (type === 'MODIFIED' && during) {
      during.push(rv);
      return;
    }
    if (type === 'MODIFIED' && rv === this.written.get(key) && !this.behind.has(key)) return;
    this.behind.delete(key);
    this.runner.add(key);
  }

  private onPod(type: ChangeType, p: Pod): void {
    const w = this.workloadOf(p);
    if (!w) return;
    for (const ro of this.targeting(p.metadata.namespace, w.kind, w.name)) {
      if (type === 'DELETED' || p.metadata.deletionTimestamp)
        this.expectations.deletionObserved(keyOf(ro), keyOf(p));
      this.coalesce(keyOf(ro));
    }
  }

  private onNode(type: ChangeType, n: Node, old: Node | undefined): void {
    // Readiness (offline boards), labels (wave selectors), and for the agent target the version
    // a board reports and the one it was ordered, are what rollouts read.
    const sig = (x: Node | undefined) =>
      JSON.stringify([
        nodeReady(x),
        x?.metadata.labels,
        x && reportedVersion(x),
        x?.metadata.annotations?.[AGENT_VERSION_ANNOTATION],
      ]);
    if (type === 'MODIFIED' && sig(n) === sig(old)) return;
    for (const ro of this.rollouts.list()) this.coalesce(keyOf(ro));
  }

  /** Extra wait for a rollout of many boards, ms (0 for few: the runner's coalescing alone). */
  private paceMs(key: string): number {
    return (this.fleetSize.get(key) ?? 0) * COALESCE_MS_PER_BOARD;
  }

  private coalesce(key: string): void {
    const ms = this.paceMs(key);
    if (ms > DEFAULT_COALESCE_MS) this.runner.addAfter(key, ms);
    else this.runner.addCoalesced(key);
  }

  private targetOf(ro: Rollout): RolloutTarget | undefined {
    const key = `${ro.metadata.namespace}/${ro.spec.targetRef.name}`;
    if (ro.spec.targetRef.kind === 'Agent') return agentTarget(this.deps, ro);
    if (ro.spec.targetRef.kind === 'Deployment') {
      const d = this.deps.deployments.get(key);
      return d && deploymentTarget(this.deps, d);
    }
    const ds = this.deps.daemonSets.get(key);
    return ds && daemonSetTarget(this.deps, ds);
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const ro = this.rollouts.get(key);
    if (!ro) {
      this.expectations.delete(key);
      this.written.delete(key);
      this.behind.delete(key);
      this.fleetSize.delete(key);
      this.plans.forget(key);
      this.paces.forget(key);
      return undefined;
    }
    // The informer may not show our last status write yet: steps taken from the older status
    // would undo what that write recorded (e.g. revert a template the user set after a
    // rollback). Its watch event brings the reconcile.
    if (Number(ro.metadata.resourceVersion) < (this.written.get(key) ?? 0)) {
      this.behind.add(key);
      return undefined;
    }
    const ctx: RolloutContext = {
      ro,
      ops: this.ops,
      now: Date.now(),
      hash: '',
      boards: new Map(),
      waves: [],
      assessments: new Map(),
      next: jsonClone(ro.status ?? {}),
    };
    for (const step of ROLLOUT_STEPS) {
      if ((await step.run(ctx)) === 'stop') break;
    }
    this.fleetSize.set(key, ctx.boards.size);
    const status = buildStatus(ctx);
    const during: number[] = [];
    this.writing.set(key, during);
    let wrote: StatusWrite;
    try {
      wrote = await writeStatusIfChanged(this.opts.client, 'rollouts', ro, status, (stored) =>
        this.written.set(key, Number(stored.metadata.resourceVersion)),
      );
    } finally {
      this.writing.delete(key);
      // Any change but the write's own is reconciled (after this one: the queue holds the key).
      if (during.some((rv) => rv !== this.written.get(key))) this.runner.add(key);
    }
    if (wrote === 'conflict') return { requeue: true };
    if (wrote === 'gone') return undefined;
    // An agent rollout's version follows its own status (agentVersionOf: a failed version reads
    // as the stable one): a write that changed it is acted on at once, since the write's own
    // event is not reconciled (onRollout) and no object of the fleet changes meanwhile.
    if (
      wrote === 'written' &&
      ro.spec.targetRef.kind === 'Agent' &&
      agentVersionOf({ ...ro, status }) !== ctx.hash
    )
      return { requeue: true };
    return ctx.wakeAt !== undefined
      ? { requeueAfterMs: Math.max(1, ctx.wakeAt - Date.now() + 1, this.paceMs(key)) }
      : undefined;
  }

  private async deletePods(ro: Rollout, pods: Pod[], why: string, nextImages: string[] = []): Promise<void> {
    const key = keyOf(ro);
    this.expectations.expectDeletions(key, pods.map(keyOf));
    await Promise.all(
      pods.map(async (p) => {
        try {
          await announceNextImages(this.opts.client, p, nextImages);
          await this.opts.client.delete('pods', p.metadata.namespace, p.metadata.name ?? '', {
            preconditions: { uid: p.metadata.uid },
          });
        } catch (e) {
          this.expectations.deletionObserved(key, keyOf(p));
          if (!isNotFound(e) && !isConflict(e)) throw e;
        }
      }),
    );
    this.log.info('updated boards', { rollout: key, pods: pods.length, why });
  }
}
