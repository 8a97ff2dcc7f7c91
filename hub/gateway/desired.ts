// Publishes each node's full desired pod set, retained, QoS 1, on nodes/<node>/desired, so a
// (re)connecting agent gets it at once. Pods are watched through the API (list, then watch
// from the list's resourceVersion; relist when the watch ends, e.g. 410 Gone); a node's set
// is republished, coalesced per tick, whenever one of its pods changes. The revision is the
// newest store revision seen, so an agent can ignore an older set than it has.
// A set carries the ConfigMaps and Secrets its pods reference and no others (Kubernetes'
// node authorizer rule); both kinds are watched too, and a change republishes the sets of
// the nodes whose pods reference the object.

import type { ApiClient, ApiWatch } from '../api/client.js';
import type { ConfigMap, KubeObject, Node, Pod, Secret, WatchEvent } from '../../shared/api/types.js';
import { topics } from '../../shared/mqtt/topics.js';
import { type DesiredState, encode } from '../../shared/protocol/messages.js';
import type { Logger } from '../../shared/log.js';
import { Reflector } from '../scheduler/reflector.js';
import type { PublishOptions } from './context.js';
import { type PodRefs, podRefs } from './pod-refs.js';

/** Delay before relisting after the pod watch ended, ms. */
const RELIST_DELAY_MS = 1000;

export interface DesiredPublisherOptions {
  client: ApiClient;
  publish(topic: string, payload: Buffer, opts: PublishOptions): Promise<void>;
  log: Logger;
}

const podKey = (p: KubeObject) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

export class DesiredPublisher {
  private readonly pods = new Map<string, Pod>();
  private readonly refs = new Map<string, PodRefs>();
  private readonly configMaps = new Map<string, ConfigMap>();
  private readonly secrets = new Map<string, Secret>();
  private readonly reflectors: Reflector<KubeObject>[] = [];
  private readonly byNode = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  private revision = 0;
  private watch?: ApiWatch;
  private relistTimer?: NodeJS.Timeout;
  private flushScheduled = false;
  private stopped = false;
  /** Publishes done, for tests and metrics. */
  published = 0;

  constructor(private readonly opts: DesiredPublisherOptions) {}

  /** Lists pods and nodes, publishes every node's set, then follows the pod watch. */
  async start(): Promise<void> {
    for (const [resource, map, kind] of [
      ['configmaps', this.configMaps, 'configMaps'],
      ['secrets', this.secrets, 'secrets'],
    ] as const) {
      const r = new Reflector<KubeObject>(
        this.opts.client,
        resource,
        {
          replace: (items) => {
            map.clear();
            for (const o of items) this.putRef(map, o);
            for (const n of this.byNode.keys()) this.dirty.add(n);
            this.scheduleFlush();
          },
          event: (type, o) => {
            if (type === 'DELETED') map.delete(podKey(o));
            else this.putRef(map, o);
            this.markReferencing(kind, podKey(o));
          },
        },
        this.opts.log.child(resource),
      );
      this.reflectors.push(r);
      await r.start();
    }
    await this.sync();
  }

  private putRef(map: Map<string, KubeObject>, o: KubeObject): void {
    map.set(podKey(o), o);
    this.revision = Math.max(this.revision, Number(o.metadata.resourceVersion ?? 0));
  }

  /** Marks the nodes whose pods reference the ConfigMap/Secret `key` for republishing. */
  private markReferencing(kind: 'configMaps' | 'secrets', key: string): void {
    for (const [node, set] of this.byNode)
      for (const k of set)
        if (this.refs.get(k)?.[kind].has(key)) {
          this.dirty.add(node);
          break;
        }
    this.scheduleFlush();
  }

  /** The ConfigMaps and Secrets the node's pods reference (those that exist). */
  refsOf(node: string): { configMaps: ConfigMap[]; secrets: Secret[] } {
    const cms = new Set<string>();
    const secs = new Set<string>();
    for (const k of this.byNode.get(node) ?? []) {
      const r = this.refs.get(k);
      for (const c of r?.configMaps ?? []) cms.add(c);
      for (const c of r?.secrets ?? []) secs.add(c);
    }
    const pick = <T>(keys: Set<string>, m: Map<string, T>) =>
      [...keys]
        .sort()
        .map((k) => m.get(k))
        .filter((o): o is T => !!o);
    return { configMaps: pick(cms, this.configMaps), secrets: pick(secs, this.secrets) };
  }

  /** Publishes node's current set (empty if it has no pods), e.g. right after it joined. */
  publishNode(node: string): void {
    this.dirty.add(node);
    this.scheduleFlush();
  }

  stop(): void {
    this.stopped = true;
    this.watch?.close();
    for (const r of this.reflectors) r.stop();
    if (this.relistTimer) clearTimeout(this.relistTimer);
  }

  /** The set currently held for node (what the last publish carried or the next will). */
  podsOf(node: string): Pod[] {
    const keys = [...(this.byNode.get(node) ?? [])].sort();
    return keys.map((k) => this.pods.get(k)).filter((p): p is Pod => !!p);
  }

  private async sync(): Promise<void> {
    this.watch?.close();
    const [pods, nodes] = await Promise.all([
      this.opts.client.list<Pod>('pods', undefined),
      this.opts.client.list<Node>('nodes', undefined),
    ]);
    const before = new Set(this.byNode.keys());
    this.pods.clear();
    this.refs.clear();
    this.byNode.clear();
    const rv = Number(pods.metadata.resourceVersion ?? 0);
    this.revision = Math.max(this.revision, rv);
    for (const p of pods.items) this.put(p);
    for (const n of nodes.items) if (n.metadata.name) this.dirty.add(n.metadata.name);
    for (const n of [...before, ...this.byNode.keys()]) this.dirty.add(n);
    this.scheduleFlush();
    if (this.stopped) return;
    this.watch = await this.opts.client.watch<Pod>(
      'pods',
      undefined,
      { resourceVersion: String(rv) },
      (ev) => this.onEvent(ev),
      (err) => this.onWatchEnd(err),
    );
  }

  private onWatchEnd(err?: Error): void {
    if (this.stopped) return;
    this.opts.log.info('pod watch ended; relisting', { error: err });
    this.relistTimer = setTimeout(() => {
      this.sync().catch((e: unknown) => {
        this.opts.log.warn('relist failed', { error: e as Error });
        this.onWatchEnd(e as Error);
      });
    }, RELIST_DELAY_MS);
  }

  private onEvent(ev: WatchEvent<Pod>): void {
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
    const p = ev.object;
    this.revision = Math.max(this.revision, Number(p.metadata.resourceVersion ?? 0));
    const old = this.pods.get(podKey(p));
    if (old) this.remove(old);
    if (ev.type !== 'DELETED') this.put(p);
    this.scheduleFlush();
  }

  private put(p: Pod): void {
    const k = podKey(p);
    this.pods.set(k, p);
    this.refs.set(k, podRefs(p));
    const node = p.spec.nodeName;
    if (!node) return;
    let set = this.byNode.get(node);
    if (!set) {
      set = new Set();
      this.byNode.set(node, set);
    }
    set.add(k);
    this.dirty.add(node);
  }

  private remove(p: Pod): void {
    const k = podKey(p);
    this.pods.delete(k);
    this.refs.delete(k);
    const node = p.spec.nodeName;
    if (!node) return;
    const set = this.byNode.get(node);
    set?.delete(k);
    if (set && set.size === 0) this.byNode.delete(node);
    this.dirty.add(node);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.stopped) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.stopped) return;
      const nodes = [...this.dirty];
      this.dirty.clear();
      for (const n of nodes) this.publishSet(n);
    });
  }

  private publishSet(node: string): void {
    let topic: string;
    try {
      topic = topics.desired(node);
    } catch (e) {
      this.opts.log.warn('pods bound to a node name that cannot be a topic', { node, error: e as Error });
      return;
    }
    const msg: Omit<DesiredState, 'v'> = {
      revision: this.revision,
      pods: this.podsOf(node),
      ...this.refsOf(node),
    };
    this.published++;
    this.opts.publish(topic, encode<DesiredState>(msg), { qos: 1, retain: true }).catch((e: unknown) => {
      this.opts.log.warn('desired state publish failed', { node, error: e as Error });
    });
  }
}
