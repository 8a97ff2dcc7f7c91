// NoExecute taint manager (Kubernetes' taint-eviction-controller): pods bound to a node with
// NoExecute taints are evicted as eviction-plan.ts decides, by a normal (graceful) delete
// through the API and an event TaintManagerEviction. When the node is unreachable its agent
// cannot confirm; the pod GC force-deletes the pod once the grace has run out, so that its
// ReplicaSet replaces it elsewhere. A node whose autonomy window is `0` keeps its pods; the
// pod gets an event saying so, once per taint.
// Work is keyed by pod ("ns/name"): a node's taint or autonomy change re-queues its pods,
// found by the pod informer's `node-name` index; pod and node are read from the informers.

import type { ApiClient } from '../api/client.js';
import { isNotFound } from '../api/errors.js';
import type { EventRecorder } from '../events/recorder.js';
import type { Node, Pod, Taint, Toleration } from '../../shared/api/types.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import { INDEX_NODE_NAME } from '../informers/indexes.js';
import type { Informer } from '../informers/informer.js';
import { AUTONOMY_ANNOTATION, parseAutonomy, planEviction } from './eviction-plan.js';
import { type Controller, type Result, Runner, type RunnerOptions } from './runner.js';

export interface TaintEvictionOptions {
  client: ApiClient;
  recorder: EventRecorder;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
}

export const REASON_EVICTION = 'TaintManagerEviction';
export const REASON_EVICTION_SUPPRESSED = 'TaintManagerEvictionSuppressed';

const noExecuteSig = (n: Node) =>
  JSON.stringify([
    (n.spec.taints ?? []).filter((t) => t.effect === 'NoExecute'),
    n.metadata.annotations?.[AUTONOMY_ANNOTATION],
  ]);

const NO_TOLERATIONS: readonly Toleration[] = Object.freeze([]);

const sameTolerations = (a: readonly Toleration[], b: readonly Toleration[]) =>
  a === b || JSON.stringify(a) === JSON.stringify(b);

export class TaintEvictionController implements Controller {
  readonly name = 'taint-eviction';
  private readonly log: Logger;
  private readonly runner: Runner;
  private readonly informers: InformerUse;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  /** node -> its NoExecute taints and autonomy, to notice changes. */
  private readonly nodeSig = new Map<string, string>();
  /** First sighting of a taint without timeAdded: "node/key/effect" -> ms. */
  private readonly firstSeen = new Map<string, number>();
  /** Pods already told their eviction is suppressed: pod uid -> "taint key/timeAdded". */
  private readonly suppressedNoted = new Map<string, Set<string>>();

  constructor(private readonly opts: TaintEvictionOptions) {
    this.log = opts.log ?? createLogger('controller/taint-eviction');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.pods = this.informers.factory.informer<Pod>('pods');
    this.nodes = this.informers.factory.informer<Node>('nodes');
  }

  async start(): Promise<void> {
    await this.informers.watch<Node>('nodes', {
      onChange: (type, n, _old, initial) => {
        const name = n.metadata.name ?? '';
        if (type === 'DELETED') {
          this.nodeSig.delete(name);
          return;
        }
        const sig = noExecuteSig(n);
        if (sig === this.nodeSig.get(name)) return;
        this.nodeSig.set(name, sig);
        // Pods already on the initial nodes are looked at through the pod informer.
        if (initial) return;
        for (const p of this.pods.byIndex(INDEX_NODE_NAME, name))
          if (!p.metadata.deletionTimestamp) this.runner.add(podKey(p));
      },
    });
    await this.informers.watch<Pod>('pods', {
      onChange: (type, p, old) => {
        if (type === 'DELETED') this.suppressedNoted.delete(p.metadata.uid ?? '');
        else this.observePod(p, old);
      },
    });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  /**
   * A binding or a toleration change is looked at, judged against the pod the informer held
   * before (old, shared and never mutated) rather than a table of node and tolerations per pod
   * of this controller's own (a map entry, key and record per pod).
   */
  private observePod(p: Pod, old: Pod | undefined): void {
    if (!p.spec.nodeName || p.metadata.deletionTimestamp) return;
    const seen = old?.spec.nodeName && !old.metadata.deletionTimestamp ? old : undefined;
    if (
      seen &&
      seen.spec.nodeName === p.spec.nodeName &&
      sameTolerations(seen.spec.tolerations ?? NO_TOLERATIONS, p.spec.tolerations ?? NO_TOLERATIONS)
    )
      return;
    this.runner.add(podKey(p));
  }

  private addedMs(node: string, t: Taint): number {
    if (t.timeAdded) {
      const ms = Date.parse(t.timeAdded);
      if (Number.isFinite(ms)) return ms;
    }
    const k = `${node}/${t.key}/${t.effect}`;
    const ms = this.firstSeen.get(k) ?? Date.now();
    this.firstSeen.set(k, ms);
    return ms;
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const [ns, name] = key.split('/') as [string, string];
    const c = this.opts.client;
    const pod = this.pods.get(key);
    if (!pod?.spec.nodeName || pod.metadata.deletionTimestamp) return undefined;
    const node = this.nodes.get(`/${pod.spec.nodeName}`);
    if (!node) return undefined; // node gone: the pod GC's case
    const nodeName = node.metadata.name ?? '';
    let autonomy: number | undefined;
    try {
      autonomy = parseAutonomy(node.metadata.annotations);
    } catch (e) {
      this.log.warn('ignoring node autonomy annotation', { node: nodeName, error: e as Error });
    }
    const plan = planEviction(pod.spec.tolerations, node.spec.taints, autonomy, (t) =>
      this.addedMs(nodeName, t),
    );
    if (plan.suppressedBy) await this.noteSuppressed(pod, node, plan.suppressedBy);
    if (plan.evictAtMs === undefined) return undefined;
    const wait = plan.evictAtMs - Date.now();
    if (wait > 0) return { requeueAfterMs: wait };
    try {
      await c.delete('pods', ns, name, { preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    const taint = plan.taint;
    this.log.info('evicting pod', { pod: key, node: nodeName, taint: taint?.key });
    await this.opts.recorder.record(
      pod,
      'Normal',
      REASON_EVICTION,
      `Marking for deletion Pod ${key}: node ${nodeName} has taint ${taint?.key}:${taint?.effect} the pod does not tolerate any longer`,
    );
    return undefined;
  }

  private async noteSuppressed(pod: Pod, node: Node, taint: Taint): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    const k = `${taint.key}/${taint.timeAdded ?? ''}`;
    const noted = this.suppressedNoted.get(uid) ?? new Set<string>();
    this.suppressedNoted.set(uid, noted);
    if (noted.has(k)) return;
    noted.add(k);
    const n = node.metadata.name ?? '';
    await this.opts.recorder.record(
      pod,
      'Normal',
      REASON_EVICTION_SUPPRESSED,
      `Not evicting: node ${n} has taint ${taint.key}:${taint.effect} but its autonomy window (${AUTONOMY_ANNOTATION}=0) keeps its pods running through outages`,
    );
  }
}

const podKey = (p: Pod) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name ?? ''}`;
