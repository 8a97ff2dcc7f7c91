// Pod garbage collector (Kubernetes' podgc), one sweep at a time:
//   a pod bound to a node that no longer exists -> force-deleted (gracePeriodSeconds 0)
//   a terminating pod on an unreachable node (Ready not True) whose grace has run out ->
//     force-deleted: its agent cannot confirm, and the object must go so that a controller
//     can replace it (the agent stops the ghost containers when it comes back)
// Sweeps run every interval, when a node is deleted or stops being Ready, when a pod starts
// terminating on a node that is gone or not Ready, and at the next grace expiry it knows of. A sweep reads the shared informers'
// caches (nodes, pods), never a LIST.

import type { ApiClient } from '../api/client.js';
import { isNotFound } from '../api/errors.js';
import type { EventRecorder } from '../events/recorder.js';
import type { Node, Pod } from '../../shared/api/types.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import type { Informer } from '../informers/informer.js';
import { type Controller, type Result, Runner, type RunnerOptions } from './runner.js';

/** Periodic sweep, ms (kube-controller-manager gc period: 20 s). */
export const DEFAULT_POD_GC_INTERVAL_MS = 20_000;

export interface PodGcOptions {
  client: ApiClient;
  recorder?: EventRecorder;
  /** Default DEFAULT_POD_GC_INTERVAL_MS. */
  intervalMs?: number;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
}

const SWEEP = 'sweep';

export function nodeReady(node: Node): boolean {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

export class PodGarbageCollector implements Controller {
  readonly name = 'pod-gc';
  private readonly log: Logger;
  private readonly runner: Runner;
  private readonly intervalMs: number;
  private readonly informers: InformerUse;
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;

  constructor(private readonly opts: PodGcOptions) {
    this.log = opts.log ?? createLogger('controller/pod-gc');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.nodes = this.informers.factory.informer<Node>('nodes');
    this.pods = this.informers.factory.informer<Pod>('pods');
    this.intervalMs = opts.intervalMs ?? DEFAULT_POD_GC_INTERVAL_MS;
    if (!(this.intervalMs > 0)) throw new RangeError('pod GC intervalMs must be > 0');
  }

  /** No sweep queued or running. */
  idle(): boolean {
    return this.runner.idle();
  }

  async start(): Promise<void> {
    await this.informers.watch<Node>('nodes', {
      onChange: (type, n) => {
        if (type === 'DELETED' || (type === 'MODIFIED' && !nodeReady(n))) this.runner.add(SWEEP);
      },
    });
    await this.informers.watch<Pod>('pods', {
      onChange: (type, p) => {
        const on = p.spec.nodeName;
        if (type !== 'MODIFIED' || !p.metadata.deletionTimestamp || !on) return;
        // On a Ready node its agent confirms the deletion and a sweep finds nothing to do: each
        // pod a rollout replaces started a sweep over every pod (10,000 boards: back to back).
        // The node going away or not Ready brings a sweep of its own.
        const node = this.nodes.get(`/${on}`);
        if (node && nodeReady(node)) return;
        this.runner.add(SWEEP);
      },
    });
    this.runner.add(SWEEP);
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  async reconcile(): Promise<Result> {
    const pods = this.pods.list();
    const now = Date.now();
    let next = now + this.intervalMs;
    for (const pod of pods) {
      const nodeName = pod.spec.nodeName;
      if (!nodeName) continue;
      const node = this.nodes.get(`/${nodeName}`);
      if (!node) {
        // The node cache may lag a node that just joined: confirm before deleting.
        if (await this.nodeExists(nodeName)) continue;
        await this.forceDelete(pod, `PodGC: node ${nodeName} no longer exists`);
        continue;
      }
      const dt = pod.metadata.deletionTimestamp;
      if (!dt || nodeReady(node)) continue;
      const due = Date.parse(dt);
      if (due <= now)
        await this.forceDelete(pod, `PodGC: node ${nodeName} is not ready and the grace period ended`);
      else next = Math.min(next, due);
    }
    return { requeueAfterMs: Math.max(1, next - now) };
  }

  private async nodeExists(name: string): Promise<boolean> {
    try {
      await this.opts.client.get<Node>('nodes', undefined, name);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  private async forceDelete(pod: Pod, why: string): Promise<void> {
    const ns = pod.metadata.namespace;
    const name = pod.metadata.name ?? '';
    try {
      await this.opts.client.delete('pods', ns, name, {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    this.log.info('forced deletion of pod', { pod: `${ns}/${name}`, why });
    await this.opts.recorder?.record(pod, 'Normal', 'PodGCForceDeleted', why);
  }
}
