// Disruption controller (upstream pkg/controller/disruption): keeps every PodDisruptionBudget's
// status -- expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed -- current from the
// readiness of the pods it covers, and forgets evictions whose pods are gone. Reads come from
// the shared informers (the budgets, the namespace's pods, the controllers' scale).

import type { ApiClient } from '../api/client.js';
import { isConflict, isNotFound } from '../api/errors.js';
import type { DaemonSet, ReplicaSet } from '../../shared/api/apps.js';
import type { PodDisruptionBudget } from '../../shared/api/policy.js';
import type { OwnerReference, Pod } from '../../shared/api/types.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import type { Informer } from '../informers/informer.js';
import { keyOf } from './controller-ref.js';
import { budgetStatus, coveredPods, DISRUPTED_POD_TIMEOUT_MS, expectedPods } from './disruption-budget.js';
import { type Controller, type Result, Runner, type RunnerOptions } from './runner.js';

export interface DisruptionControllerOptions {
  client: ApiClient;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
}

/** Status without its condition timestamps, to skip writes that change nothing. */
function comparable(s: PodDisruptionBudget['status']): string {
  return JSON.stringify({ ...s, conditions: s?.conditions?.map((c) => ({ ...c, lastTransitionTime: '' })) });
}

export class DisruptionController implements Controller {
  readonly name = 'disruption';
  private readonly runner: Runner;
  private readonly log: Logger;
  private readonly informers: InformerUse;
  private readonly budgets: Informer<PodDisruptionBudget>;
  private readonly pods: Informer<Pod>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly daemonSets: Informer<DaemonSet>;

  constructor(private readonly opts: DisruptionControllerOptions) {
    this.log = opts.log ?? createLogger('controller/disruption');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.budgets = this.informers.factory.informer<PodDisruptionBudget>('poddisruptionbudgets');
    this.pods = this.informers.factory.informer<Pod>('pods');
    this.replicaSets = this.informers.factory.informer<ReplicaSet>('replicasets');
    this.daemonSets = this.informers.factory.informer<DaemonSet>('daemonsets');
  }

  idle(): boolean {
    return this.runner.idle();
  }

  async start(): Promise<void> {
    await this.informers.watch<PodDisruptionBudget>('poddisruptionbudgets', {
      onChange: (_t, pdb) => this.runner.add(keyOf(pdb)),
    });
    await this.informers.watch<Pod>('pods', { onChange: (_t, p, old) => this.onPod(p, old) });
    // A controller's scale decides a percentage budget's expected pods.
    await this.informers.watch<ReplicaSet>('replicasets', {
      onChange: (_t, rs) => this.onNamespace(rs.metadata.namespace),
    });
    await this.informers.watch<DaemonSet>('daemonsets', {
      onChange: (_t, ds) => this.onNamespace(ds.metadata.namespace),
    });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  private onPod(p: Pod, old: Pod | undefined): void {
    for (const pdb of this.budgets.inNamespace(p.metadata.namespace ?? ''))
      if (coveredPods(pdb, old && old !== p ? [p, old] : [p]).length > 0)
        this.runner.addCoalesced(keyOf(pdb));
  }

  private onNamespace(ns: string | undefined): void {
    for (const pdb of this.budgets.inNamespace(ns ?? '')) this.runner.addCoalesced(keyOf(pdb));
  }

  private scaleOf(ns: string | undefined, ref: OwnerReference): number | undefined {
    if (ref.kind === 'ReplicaSet') return this.replicaSets.get(`${ns}/${ref.name}`)?.spec.replicas;
    if (ref.kind === 'DaemonSet')
      return this.daemonSets.get(`${ns}/${ref.name}`)?.status?.desiredNumberScheduled;
    return undefined;
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const pdb = this.budgets.get(key);
    if (!pdb) return undefined;
    const ns = pdb.metadata.namespace;
    const covered = coveredPods(pdb, this.pods.inNamespace(ns ?? ''));
    const expected = expectedPods(pdb, covered, (ref) => this.scaleOf(ns, ref));
    const status = budgetStatus(pdb, covered, expected, Date.now());
    if (comparable(status) !== comparable(pdb.status)) {
      try {
        await this.opts.client.update<PodDisruptionBudget>(
          'poddisruptionbudgets',
          ns,
          { ...pdb, status },
          'status',
        );
      } catch (e) {
        if (isConflict(e)) return { requeue: true };
        if (isNotFound(e)) return undefined;
        throw e;
      }
    }
    // An eviction whose pod never goes stops counting after the timeout: look again then.
    return status.disruptedPods ? { requeueAfterMs: DISRUPTED_POD_TIMEOUT_MS } : undefined;
  }
}
