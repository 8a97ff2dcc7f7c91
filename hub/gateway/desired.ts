// Publishes each node's full desired pod set, retained, QoS 1, on nodes/<node>/desired, so a
// (re)connecting agent gets it at once. Pods are watched through an informer (list, then
// watch; resume or relist when the watch ends, e.g. 410 Gone); a node's set
// is republished, coalesced per tick, whenever one of its pods changes in a way the agent
// reads (agent-visible.ts: not for a status report that leaves podIP and hostIP), each pod as
// the agent reads it (agentView: of the status only those two). The revision is the
// newest store revision seen, so an agent can ignore an older set than it has.
// A set carries the ConfigMaps and Secrets its pods reference and no others (Kubernetes'
// node authorizer rule); both kinds are watched too, and a change republishes the sets of
// the nodes whose pods reference the object (found by a reverse index, ref-index.ts). A pod's
// claim volumes go out resolved to their bound volume's path (claim-volumes.ts); a claim or
// volume change republishes its pods' nodes.

import { isDeepStrictEqual } from 'node:util';
import type { ApiClient } from '../api/client.js';
import type { ConfigMap, KubeObject, Node, Pod, Secret } from '../../shared/api/types.js';
import { topics } from '../../shared/mqtt/topics.js';
import { type DesiredState, encode } from '../../shared/protocol/messages.js';
import type { Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import type { ChangeType, Informer } from '../informers/informer.js';
import type { PublishOptions } from './context.js';
import { NO_REFS, type PodRefs, podRefs } from './pod-refs.js';
import { RefIndex } from './ref-index.js';
import { type ClaimLookup, resolveClaimVolumes } from './claim-volumes.js';
import { agentView, agentVisibleChange } from './agent-visible.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../shared/api/volumes.js';

export interface DesiredPublisherOptions {
  client: ApiClient;
  publish(topic: string, payload: Buffer, opts: PublishOptions): Promise<void>;
  log: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
}

const podKey = (p: KubeObject) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

export class DesiredPublisher {
  /**
   * The objects themselves are read from the shared informers (their keys are
   * `namespace/name`, `/name` when cluster-scoped), not kept in maps of this publisher's own:
   * a map entry and a key per pod and per Secret (a node credential per board) less.
   */
  private readonly informers: InformerUse;
  private readonly podInformer: Informer<Pod>;
  private readonly configMaps: Informer<ConfigMap>;
  private readonly secrets: Informer<Secret>;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  /** What each pod references, for pods that reference anything (most pods: nothing kept). */
  private readonly refs = new Map<string, PodRefs>();
  /** Bound pods by what they reference (ref-index.ts): a ConfigMap's change finds its nodes. */
  readonly referencing = new RefIndex();
  private readonly claimLookup: ClaimLookup = {
    claim: (ns, name) => this.claims.get(`${ns}/${name}`),
    volume: (name) => this.volumes.get(`/${name}`),
  };
  private readonly byNode = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  private revision = 0;
  private flushScheduled = false;
  private stopped = false;
  /** Publishes done, for tests and metrics. */
  published = 0;

  constructor(private readonly opts: DesiredPublisherOptions) {
    this.informers = new InformerUse(opts.informers, opts.client, opts.log);
    const f = this.informers.factory;
    this.podInformer = f.informer<Pod>('pods');
    this.configMaps = f.informer<ConfigMap>('configmaps');
    this.secrets = f.informer<Secret>('secrets');
    this.claims = f.informer<PersistentVolumeClaim>('persistentvolumeclaims');
    this.volumes = f.informer<PersistentVolume>('persistentvolumes');
  }

  /** Lists pods and nodes, publishes every node's set, then follows the pod watch. */
  async start(): Promise<void> {
    try {
      for (const [resource, kind] of [
        ['configmaps', 'configMaps'],
        ['secrets', 'secrets'],
      ] as const) {
        await this.informers.watch<KubeObject>(resource, {
          onChange: (type, o, _old, initial) => {
            if (type !== 'DELETED') this.seen(o);
            if (!initial) this.markReferencing(kind, podKey(o));
          },
          onRelist: () => this.republishAll(),
        });
      }
      await this.informers.watch<PersistentVolumeClaim>('persistentvolumeclaims', {
        onChange: (type, c, old, initial) => {
          if (type !== 'DELETED') this.seen(c);
          // Only the phase and the volume name change what a pod's claim resolves to.
          const same =
            old && old.status?.phase === c.status?.phase && old.spec.volumeName === c.spec.volumeName;
          if (!initial && !(type === 'MODIFIED' && same)) this.markReferencing('claims', podKey(c));
        },
        onRelist: () => this.republishAll(),
      });
      await this.informers.watch<PersistentVolume>('persistentvolumes', {
        onChange: (type, v, old, initial) => {
          if (type !== 'DELETED') this.seen(v);
          // A status-only write (the binder's phase) changes no pod's resolved path.
          if (initial || (type === 'MODIFIED' && old && isDeepStrictEqual(old.spec, v.spec))) return;
          const claims = new Set<string>();
          for (const ref of [v.spec.claimRef, old?.spec.claimRef])
            if (ref?.name) claims.add(`${ref.namespace ?? 'default'}/${ref.name}`);
          for (const k of claims) this.markReferencing('claims', k);
        },
        onRelist: () => this.republishAll(),
      });
      // The list's revision counts: a relist may show only deletions.
      const pods = this.podInformer;
      const seenList = () => {
        this.revision = Math.max(this.revision, Number(pods.lastSyncResourceVersion() || 0));
      };
      await this.informers.watch<Pod>('pods', {
        onChange: (type, p, old) => this.onPod(type, p, old),
        onRelist: () => {
          seenList();
          this.republishAll();
        },
      });
      seenList();
      // Nodes without pods get their (empty) set too.
      const nodes = await this.opts.client.list<Node>('nodes', undefined);
      for (const n of nodes.items) if (n.metadata.name) this.dirty.add(n.metadata.name);
      this.scheduleFlush();
    } catch (e) {
      this.stop();
      throw e;
    }
  }

  private republishAll(): void {
    for (const n of this.byNode.keys()) this.dirty.add(n);
    this.scheduleFlush();
  }

  /** A referenced object's version counts toward the sets' revision. */
  private seen(o: KubeObject): void {
    this.revision = Math.max(this.revision, Number(o.metadata.resourceVersion ?? 0));
  }

  /** Marks the nodes whose pods reference the ConfigMap/Secret/claim `key` for republishing. */
  private markReferencing(kind: keyof PodRefs, key: string): void {
    for (const k of this.referencing.referencing(kind, key)) {
      const node = this.podInformer.get(k)?.spec.nodeName;
      if (node) this.dirty.add(node);
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
    const pick = <T extends KubeObject>(keys: Set<string>, m: Informer<T>) =>
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
    this.informers.close();
  }

  /** The latest pod seen under namespace/name (shared with the informer: never mutate). */
  heldPod(namespace: string, name: string): Pod | undefined {
    return this.podInformer.get(`${namespace}/${name}`);
  }

  /** The set currently held for node (what the last publish carried or the next will). */
  podsOf(node: string): Pod[] {
    const keys = [...(this.byNode.get(node) ?? [])].sort();
    return keys
      .map((k) => this.podInformer.get(k))
      .filter((p): p is Pod => !!p)
      .map((p) => resolveClaimVolumes(p, this.claimLookup));
  }

  /** old: the pod the informer held before (what this publisher last saw of it). */
  private onPod(type: ChangeType, p: Pod, old: Pod | undefined): void {
    this.revision = Math.max(this.revision, Number(p.metadata.resourceVersion ?? 0));
    // The board's own report came back (agent-visible.ts): the next publish of its node
    // carries it (read from the informer), this change alone makes none. Node and references
    // are unchanged.
    if (type === 'MODIFIED' && old && !agentVisibleChange(old, p)) return;
    if (old) this.remove(old);
    if (type !== 'DELETED') this.put(p);
    this.scheduleFlush();
  }

  private put(p: Pod): void {
    const k = podKey(p);
    const refs = podRefs(p);
    if (refs !== NO_REFS) this.refs.set(k, refs);
    const node = p.spec.nodeName;
    if (!node) return;
    this.referencing.add(k, refs);
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
    const refs = this.refs.get(k);
    this.refs.delete(k);
    const node = p.spec.nodeName;
    if (!node) return;
    if (refs) this.referencing.remove(k, refs);
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
      pods: this.podsOf(node).map(agentView),
      ...this.refsOf(node),
    };
    this.published++;
    this.opts.publish(topic, encode<DesiredState>(msg), { qos: 1, retain: true }).catch((e: unknown) => {
      this.opts.log.warn('desired state publish failed', { node, error: e as Error });
    });
  }
}
