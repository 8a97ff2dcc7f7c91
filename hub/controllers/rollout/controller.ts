// Rollout controller (drover.io/v1alpha1 Rollout, issue #10): rolls a DaemonSet's new template
// across the fleet in waves, each held by a health gate, and rolls the whole fleet back to the
// last good ControllerRevision when a gate fails or the rollout is aborted. Level-based: the
// shared runner calls reconcile(key), which re-reads the Rollout, its DaemonSet, the pods (by
// the owner-uid index) and nodes from the shared informers and runs the named steps
// (steps.ts); everything it needs to continue after a hub restart is in the Rollout's status.
// Pod deletions are tracked with expectations (expectations.ts), as the DaemonSet controller's.

import type { ApiClient } from '../../api/client.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import { writeStatusIfChanged } from '../status-write.js';
import type { EventRecorder } from '../../events/recorder.js';
import type { ControllerRevision, DaemonSet } from '../../../shared/api/apps.js';
import type { Rollout } from '../../../shared/api/rollout.js';
import type { Node, Pod } from '../../../shared/api/types.js';
import { createLogger, type Logger } from '../../../shared/log.js';
import { type InformerFactory, InformerUse } from '../../informers/factory.js';
import { INDEX_CONTROLLER_UID } from '../../informers/indexes.js';
import type { ChangeType, Informer } from '../../informers/informer.js';
import { controllerOf, keyOf } from '../controller-ref.js';
import { placement, targetNode, templatePod } from '../daemonset/placement.js';
import { Expectations } from '../expectations.js';
import { type Controller, type Result, Runner, type RunnerOptions } from '../runner.js';
import type { RolloutContext, RolloutOps } from './context.js';
import type { BoardView } from './health.js';
import { buildStatus } from './status.js';
import { ROLLOUT_STEPS } from './steps.js';

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

const created = (p: Pod) => Date.parse(p.metadata.creationTimestamp ?? '') || 0;

function nodeReady(n: Node | undefined): boolean {
  return n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export class RolloutController implements Controller {
  readonly name = 'rollout';
  private readonly runner: Runner;
  private readonly log: Logger;
  private readonly informers: InformerUse;
  private readonly rollouts: Informer<Rollout>;
  private readonly sets: Informer<DaemonSet>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly revisions: Informer<ControllerRevision>;
  readonly expectations: Expectations;
  private readonly ops: RolloutOps;
  /** resourceVersion of each Rollout's last status write: an older cached copy is not acted on. */
  private readonly written = new Map<string, number>();

  constructor(private readonly opts: RolloutControllerOptions) {
    this.log = opts.log ?? createLogger('controller/rollout');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.rollouts = this.informers.factory.informer<Rollout>('rollouts');
    this.sets = this.informers.factory.informer<DaemonSet>('daemonsets');
    this.pods = this.informers.factory.informer<Pod>('pods');
    this.nodes = this.informers.factory.informer<Node>('nodes');
    this.revisions = this.informers.factory.informer<ControllerRevision>('controllerrevisions');
    this.expectations = new Expectations(opts.expectationsTimeoutMs);
    this.ops = this.makeOps();
  }

  idle(): boolean {
    return this.runner.idle();
  }

  async start(): Promise<void> {
    await this.informers.watch<Rollout>('rollouts', { onChange: (_t, ro) => this.runner.add(keyOf(ro)) });
    await this.informers.watch<DaemonSet>('daemonsets', {
      onChange: (_t, ds) => this.enqueueFor(ds.metadata.namespace, ds.metadata.name, false),
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

  /** Rollouts targeting the DaemonSet namespace/name. */
  private targeting(namespace: string | undefined, name: string | undefined): Rollout[] {
    return this.rollouts
      .list()
      .filter((r) => r.metadata.namespace === namespace && r.spec.targetRef.name === name);
  }

  private enqueueFor(namespace: string | undefined, name: string | undefined, coalesce: boolean): void {
    for (const ro of this.targeting(namespace, name))
      coalesce ? this.runner.addCoalesced(keyOf(ro)) : this.runner.add(keyOf(ro));
  }

  private onPod(type: ChangeType, p: Pod): void {
    const ref = controllerOf(p);
    if (ref?.kind !== 'DaemonSet') return;
    for (const ro of this.targeting(p.metadata.namespace, ref.name)) {
      if (type === 'DELETED' || p.metadata.deletionTimestamp)
        this.expectations.deletionObserved(keyOf(ro), keyOf(p));
      this.runner.addCoalesced(keyOf(ro));
    }
  }

  private onNode(type: ChangeType, n: Node, old: Node | undefined): void {
    // Readiness (offline boards) and labels (wave selectors) are what rollouts read.
    const sig = (x: Node | undefined) => JSON.stringify([nodeReady(x), x?.metadata.labels]);
    if (type === 'MODIFIED' && sig(n) === sig(old)) return;
    for (const ro of this.rollouts.list()) this.runner.addCoalesced(keyOf(ro));
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const ro = this.rollouts.get(key);
    if (!ro) {
      this.expectations.delete(key);
      this.written.delete(key);
      return undefined;
    }
    // The informer may not show our last status write yet: steps taken from the older status
    // would undo what that write recorded (e.g. revert a template the user set after a
    // rollback). Its watch event brings the reconcile.
    if (Number(ro.metadata.resourceVersion) < (this.written.get(key) ?? 0)) return undefined;
    const ctx: RolloutContext = {
      ro,
      ops: this.ops,
      now: Date.now(),
      hash: '',
      boards: new Map(),
      waves: [],
      next: JSON.parse(JSON.stringify(ro.status ?? {})),
    };
    for (const step of ROLLOUT_STEPS) {
      if ((await step.run(ctx)) === 'stop') break;
    }
    const status = buildStatus(ctx);
    const wrote = await writeStatusIfChanged(this.opts.client, 'rollouts', ro, status);
    if (wrote === 'conflict') return { requeue: true };
    if (wrote === 'gone') return undefined;
    return ctx.wakeAt !== undefined
      ? { requeueAfterMs: Math.max(1, ctx.wakeAt - Date.now() + 1) }
      : undefined;
  }

  private makeOps(): RolloutOps {
    const c = this.opts.client;
    return {
      daemonSet: (ns, name) => this.sets.get(`${ns}/${name}`),
      boards: (ds) => this.boardsOf(ds),
      nodeLabels: (name) => this.nodes.get(`/${name}`)?.metadata.labels,
      revisions: (ds) => this.revisions.byIndex(INDEX_CONTROLLER_UID, ds.metadata.uid ?? ''),
      patchDaemonSet: async (ds, patch, type) => {
        await c.patch('daemonsets', ds.metadata.namespace, ds.metadata.name ?? '', patch, type);
      },
      deletePods: (ro, pods, why) => this.deletePods(ro, pods, why),
      settled: (ro) => this.expectations.satisfied(keyOf(ro)),
      event: (ro, type, reason, message) => {
        this.log.info(reason, { rollout: keyOf(ro), message });
        void this.opts.recorder?.record(ro, type, reason, message).catch(() => {});
      },
    };
  }

  /** Every node the DaemonSet places a pod on (with its pod or not), and nodes still holding one. */
  private boardsOf(ds: DaemonSet): Map<string, BoardView> {
    const out = new Map<string, BoardView>();
    const tmpl = templatePod(ds);
    for (const n of this.nodes.list())
      if (placement(tmpl, n).shouldContinueRunning)
        out.set(n.metadata.name ?? '', {
          node: n.metadata.name ?? '',
          nodeReady: nodeReady(n),
          terminating: false,
        });
    for (const p of this.pods.byIndex(INDEX_CONTROLLER_UID, ds.metadata.uid ?? '')) {
      const node = targetNode(p);
      if (!node) continue;
      const b = out.get(node) ?? {
        node,
        nodeReady: nodeReady(this.nodes.get(`/${node}`)),
        terminating: false,
      };
      if (p.metadata.deletionTimestamp) b.terminating = true;
      else if (!b.pod || created(p) > created(b.pod)) b.pod = p;
      out.set(node, b);
    }
    return out;
  }

  private async deletePods(ro: Rollout, pods: Pod[], why: string): Promise<void> {
    const key = keyOf(ro);
    this.expectations.expectDeletions(key, pods.map(keyOf));
    await Promise.all(
      pods.map(async (p) => {
        try {
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
