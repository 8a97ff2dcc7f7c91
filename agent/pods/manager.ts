// The agent's pod manager (kubelet's sync loop): keeps the node's containers matching the
// desired pods. One serialized sync per pod uid, triggered by desired-state changes, container
// changes (the runtime's event stream, through the container cache), probe results and backoff
// timers.
import { join } from 'node:path';
import type { ConfigMap, Pod, Secret } from '../../shared/api/types.js';
import type { DesiredState } from '../../shared/protocol/messages.js';
import type { EvictionCandidate } from '../pressure/eviction-manager.js';
import { LABEL_CONTAINER_NAME, LABEL_NODE, LABEL_POD_UID, SANDBOX_CONTAINER } from '../runtime/labels.js';
import type { ExecSession, LogStream, RuntimeContainer } from '../runtime/runtime.js';
import { byContainerName, isRunning } from './actions.js';
import { type DesiredPods, loadPodCache, savePodCache } from './cache.js';
import { ContainerCache } from './container-cache.js';
import {
  ContainerNameError,
  ContainerNotRunningError,
  NoContainerInstanceError,
  PodNotFoundError,
  PodNotReachableError,
} from './errors.js';
import { type PodManagerOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { Prober } from './probes.js';
import { newRecord, type PodRecord, type SyncContext } from './record.js';
import { RuntimeHealth } from './runtime-health.js';
import { sandboxOf } from './sandbox.js';
import { syncPod } from './sync.js';

export interface LogsOptions {
  container?: string;
  tailLines?: number;
  follow?: boolean;
  previous?: boolean;
  timestamps?: boolean;
}

export interface ExecOptions {
  container?: string;
  command: string[];
  stdin: boolean;
  tty: boolean;
}

export interface PodManager {
  /** Takes the hub's desired state (older revisions are ignored) and persists it for offline starts. */
  setDesired(state: DesiredState | DesiredPods): void;
  /** Loads the cache when no desired state came yet, stops ghosts, adopts running containers, starts the loops. */
  start(): Promise<void>;
  /** Stops the loops and probes; containers keep running (a restarted agent adopts them). */
  stop(): Promise<void>;
  logs(ns: string, name: string, opts?: LogsOptions): Promise<LogStream>;
  /** Starts a command in a running container of a pod this node runs (kubectl exec). */
  exec(ns: string, name: string, opts: ExecOptions): Promise<ExecSession>;
  /** Where this board reaches a pod's ports (kubectl port-forward): its sandbox's address, or loopback for hostNetwork. */
  podAddress(ns: string, name: string): Promise<string>;
  /** Desired pods not yet finished. */
  podCount(): number;
  /** Reports every pod's last status again (after a reconnect: reports sent offline were dropped). */
  resendAll(): void;
  /** The hub was reset and counts revisions from scratch: take its next desired state whatever its revision. */
  forgetRevision(): void;
  /** Pods the eviction manager may evict: desired, running, not leaving. */
  evictionCandidates(): EvictionCandidate[];
  /** Stops a pod for good (node-pressure eviction): status Failed, reason Evicted, `message`. */
  evict(uid: string, message: string, graceSeconds?: number): Promise<void>;
}

export function createPodManager(options: PodManagerOptions): PodManager {
  return new Manager(resolveOptions(options));
}

/** A hostNetwork pod's ports are the board's own. */
const LOOPBACK = '127.0.0.1';

function key(ns: string, name: string): string {
  return `${ns}/${name}`;
}

class Manager implements PodManager, SyncContext {
  readonly prober: Prober;
  readonly presentImages = new Set<string>();
  private readonly cache: ContainerCache;
  private readonly records = new Map<string, PodRecord>();
  private state?: DesiredPods;
  private cms = new Map<string, ConfigMap>();
  private secretsByKey = new Map<string, Secret>();
  private started = false;
  private stopped = false;
  /** Whether the runtime answers: state changes are logged once, retries back off while it is down. */
  private readonly health: RuntimeHealth;
  private reconciling: Promise<void> = Promise.resolve();
  private saving: Promise<void> = Promise.resolve();

  constructor(readonly opts: ResolvedOptions) {
    this.health = new RuntimeHealth(
      opts.log,
      opts.runtimeRetryMinMs,
      opts.runtimeRetryMaxMs,
      opts.runtimeChanged,
    );
    this.cache = new ContainerCache({
      runtime: opts.runtime,
      health: this.health,
      retryMinMs: opts.runtimeRetryMinMs,
      labels: { [LABEL_NODE]: opts.nodeName },
      log: opts.log.child('containers'),
      onChange: (uid) => this.onContainersChanged(uid),
      onSynced: () => {
        if (this.started && !this.stopped) this.kick();
      },
      resyncIntervalMs: opts.resyncIntervalMs,
      clock: opts.clock,
    });
    this.prober = new Prober({
      runtime: opts.runtime,
      log: opts.log.child('probes'),
      now: opts.clock,
      onChange: (uid) => this.enqueue(uid),
      onFailure: (uid, _container, _kind, message) => {
        const rec = this.records.get(uid);
        if (rec) this.emit(rec, 'Warning', 'Unhealthy', message);
      },
    });
  }

  // ---- SyncContext ----

  containers(uid: string): RuntimeContainer[] {
    return this.cache.forPod(uid);
  }

  refresh(id: string): Promise<void> {
    return this.cache.refresh(id);
  }

  forget(id: string): void {
    this.cache.forget(id);
  }

  /** Runtime calls made through the container cache (lists, inspects). */
  cacheCalls(): number {
    return this.cache.calls;
  }

  configMaps(ns: string): Map<string, ConfigMap> {
    return byNamespace(this.cms, ns);
  }

  secrets(ns: string): Map<string, Secret> {
    return byNamespace(this.secretsByKey, ns);
  }

  podDir(uid: string): string {
    return join(this.opts.dataDir, 'pods', uid);
  }

  requeueAt(rec: PodRecord, at: number): void {
    if (this.stopped) return;
    if (rec.timer && rec.timerAt !== undefined && rec.timerAt <= at) return;
    clearTimeout(rec.timer);
    rec.timerAt = at;
    rec.timer = setTimeout(
      () => {
        rec.timer = undefined;
        rec.timerAt = undefined;
        this.enqueue(rec.uid);
      },
      Math.max(0, at - this.opts.clock()),
    );
  }

  emit(rec: PodRecord, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const now = this.opts.clock();
    const k = `${type}|${reason}|${message}`;
    const last = rec.events.get(k);
    if (last !== undefined && now - last < this.opts.eventDedupeMs) return;
    rec.events.set(k, now);
    const pod = rec.pod;
    this.opts.event({
      involvedObject: {
        kind: 'Pod',
        namespace: pod?.metadata.namespace ?? 'default',
        name: pod?.metadata.name ?? rec.uid,
        uid: rec.uid,
      },
      type,
      reason,
      message,
      time: now,
    });
  }

  // ---- PodManager ----

  setDesired(state: DesiredState | DesiredPods): void {
    if (this.state && state.revision < this.state.revision) {
      this.opts.log.debug('ignored older desired state', {
        revision: state.revision,
        have: this.state.revision,
      });
      return;
    }
    this.apply(state);
    const snapshot = this.state;
    this.saving = this.saving
      .then(() => (snapshot ? savePodCache(this.opts.dataDir, snapshot) : undefined))
      .catch((e: Error) => this.opts.log.warn('cannot save the pod cache', { error: e.message }));
    if (this.started && !this.stopped) this.kick();
  }

  async start(): Promise<void> {
    if (this.started) return;
    if (!this.state) {
      try {
        const cached = await loadPodCache(this.opts.dataDir);
        if (cached && !this.state) {
          this.opts.log.info('desired pods loaded from the local cache', {
            revision: cached.revision,
            pods: cached.pods.length,
          });
          this.apply(cached);
        }
      } catch (e) {
        this.opts.log.warn('ignoring the pod cache', { error: (e as Error).message });
      }
    }
    this.started = true;
    // The first list ends in onSynced -> kick: adoption before anything is created.
    await this.cache.start();
    await this.reconciling;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cache.stop();
    this.prober.stop();
    for (const r of this.records.values()) clearTimeout(r.timer);
    await this.reconciling.catch(() => {});
    await Promise.all([...this.records.values()].map((r) => r.done?.catch(() => {})));
    await this.saving;
  }

  podCount(): number {
    let n = 0;
    for (const r of this.records.values()) if (r.desired && !r.finished) n++;
    return n;
  }

  resendAll(): void {
    for (const r of this.records.values()) {
      const pod = r.pod;
      if (!pod || !r.lastStatus) continue;
      this.opts.report(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', r.uid, r.lastStatus);
    }
  }

  forgetRevision(): void {
    if (this.state) this.state = { ...this.state, revision: Number.NEGATIVE_INFINITY };
  }

  evictionCandidates(): EvictionCandidate[] {
    const out: EvictionCandidate[] = [];
    for (const r of this.records.values()) {
      if (!r.pod || !r.desired || r.finished || r.evicted || r.pod.metadata.deletionTimestamp) continue;
      const containers = this.cache
        .forPod(r.uid)
        .filter((c) => isRunning(c) && c.labels[LABEL_CONTAINER_NAME] !== SANDBOX_CONTAINER)
        .map((c) => ({ id: c.id, name: c.labels[LABEL_CONTAINER_NAME] ?? c.name }));
      if (containers.length > 0) out.push({ pod: r.pod, containers, dir: this.podDir(r.uid) });
    }
    return out;
  }

  async evict(uid: string, message: string, graceSeconds?: number): Promise<void> {
    const rec = this.records.get(uid);
    if (!rec?.pod || rec.finished) return;
    rec.evicted = { message, ...(graceSeconds !== undefined ? { graceSeconds } : {}) };
    this.emit(rec, 'Warning', 'Evicted', message);
    await this.runSync(rec);
  }

  async logs(ns: string, name: string, o: LogsOptions = {}): Promise<LogStream> {
    const { container, instances } = await this.instancesOf(ns, name, o.container, false);
    const [latest, previous] = instances;
    // As kubelet: the current log is the newest instance (even exited), --previous the one before.
    const target = o.previous ? previous : latest;
    if (!target) {
      throw new NoContainerInstanceError(
        o.previous
          ? `previous terminated container "${container}" in pod "${name}" not found`
          : `container "${container}" in pod "${name}" has not been created yet`,
      );
    }
    return this.opts.runtime.logs(target.id, {
      tailLines: o.tailLines,
      follow: o.follow,
      timestamps: o.timestamps,
    });
  }

  async exec(ns: string, name: string, o: ExecOptions): Promise<ExecSession> {
    const { container, instances } = await this.instancesOf(ns, name, o.container, true);
    const latest = instances[0];
    if (!latest)
      throw new NoContainerInstanceError(
        `container "${container}" in pod "${name}" has not been created yet`,
      );
    if (latest.state !== 'running')
      throw new ContainerNotRunningError(
        `container "${container}" in pod "${name}" is not running (${latest.state}${
          latest.state === 'exited' ? `, exit code ${latest.exitCode}` : ''
        }): a command can only be run in a running container`,
      );
    return this.opts.runtime.execStream(latest.id, { cmd: o.command, stdin: o.stdin, tty: o.tty });
  }

  async podAddress(ns: string, name: string): Promise<string> {
    const rec = [...this.records.values()].find(
      (r) => r.pod && key(r.pod.metadata.namespace ?? 'default', r.pod.metadata.name ?? '') === key(ns, name),
    );
    if (!rec?.pod) throw new PodNotFoundError(ns, name);
    if (rec.pod.spec.hostNetwork) return LOOPBACK;
    const box = sandboxOf(this.containers(rec.uid));
    if (!box || !isRunning(box) || !box.ipAddress)
      throw new PodNotReachableError(`pod ${ns}/${name} has no running sandbox with an address yet`);
    return box.ipAddress;
  }

  /** A container of a pod this node runs, and its instances newest first. */
  private async instancesOf(
    ns: string,
    name: string,
    asked: string | undefined,
    withInit: boolean,
  ): Promise<{ container: string; instances: RuntimeContainer[] }> {
    const rec = [...this.records.values()].find(
      (r) => r.pod && key(r.pod.metadata.namespace ?? 'default', r.pod.metadata.name ?? '') === key(ns, name),
    );
    if (!rec?.pod) throw new PodNotFoundError(ns, name);
    const names = rec.pod.spec.containers.map((c) => c.name);
    const init = (rec.pod.spec.initContainers ?? []).map((c) => c.name);
    let container = asked;
    if (!container) {
      if (names.length !== 1)
        throw new ContainerNameError(
          `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`,
        );
      container = names[0];
    } else if (!names.includes(container) && !(withInit && init.includes(container))) {
      throw new ContainerNameError(`container ${container} is not valid for pod ${name}`);
    }
    const list = this.cache.isSynced()
      ? this.cache.forPod(rec.uid)
      : await this.opts.runtime.listContainers({
          [LABEL_NODE]: this.opts.nodeName,
          [LABEL_POD_UID]: rec.uid,
          [LABEL_CONTAINER_NAME]: container,
        });
    return { container, instances: byContainerName(list).get(container) ?? [] };
  }

  // ---- internals ----

  private apply(state: DesiredState | DesiredPods): void {
    const s = state as DesiredPods;
    this.state = {
      v: s.v,
      revision: s.revision,
      pods: s.pods,
      configMaps: s.configMaps ?? [],
      secrets: s.secrets ?? [],
    };
    this.cms = new Map(
      (s.configMaps ?? []).map((c) => [key(c.metadata.namespace ?? 'default', c.metadata.name ?? ''), c]),
    );
    this.secretsByKey = new Map(
      (s.secrets ?? []).map((c) => [key(c.metadata.namespace ?? 'default', c.metadata.name ?? ''), c]),
    );
    const want = new Map<string, Pod>();
    for (const p of s.pods) {
      if (p.metadata.uid) want.set(p.metadata.uid, p);
      else
        this.opts.log.warn('desired pod without uid ignored', {
          pod: `${p.metadata.namespace}/${p.metadata.name}`,
        });
    }
    for (const [uid, rec] of this.records) if (!want.has(uid)) rec.desired = false;
    for (const [uid, pod] of want) {
      const rec = this.records.get(uid) ?? newRecord(uid);
      rec.pod = pod;
      rec.desired = true;
      this.records.set(uid, rec);
    }
  }

  /** Queues a full reconcile: pods leaving the node (and ghosts) first, then every desired pod. */
  private kick(): void {
    this.reconciling = this.reconciling
      .then(() => this.reconcile())
      .catch((e: Error) => this.opts.log.warn('reconcile failed', { error: e.message }));
  }

  private async reconcile(): Promise<void> {
    // Until a desired state is known (hub or cache), nothing counts as a ghost (kubelet's
    // sourcesReady); until the runtime is listed, nothing is known to exist.
    if (this.stopped || !this.state || !this.cache.isSynced()) return;
    for (const uid of this.cache.podUids()) if (!this.records.has(uid)) this.records.set(uid, newRecord(uid));
    const leaving = [...this.records.values()].filter((r) => !r.desired || r.pod?.metadata.deletionTimestamp);
    await Promise.all(leaving.map((r) => this.runSync(r)));
    for (const r of this.records.values()) if (r.desired) this.enqueue(r.uid);
  }

  /** A container of this pod changed: exits, starts, removals behind our back, ghosts. */
  private onContainersChanged(uid: string): void {
    if (this.stopped || !this.state || !this.cache.isSynced()) return;
    if (!this.records.has(uid)) this.records.set(uid, newRecord(uid));
    this.enqueue(uid);
  }

  private enqueue(uid: string): void {
    const rec = this.records.get(uid);
    // A stale view would start duplicates: the next list (onSynced) enqueues every pod.
    if (rec && !this.stopped && this.cache.isSynced()) void this.runSync(rec);
  }

  /** Runs the pod's sync, or asks the running one for another round; resolves when idle. */
  private runSync(rec: PodRecord): Promise<void> {
    if (rec.running) {
      rec.dirty = true;
      return rec.done ?? Promise.resolve();
    }
    rec.running = true;
    rec.done = (async () => {
      do {
        rec.dirty = false;
        try {
          const outcome = await syncPod(this, rec);
          if (outcome === 'forget' && this.records.get(rec.uid) === rec) {
            clearTimeout(rec.timer);
            this.records.delete(rec.uid);
          }
        } catch (e) {
          if (!this.health.failed(e))
            this.opts.log.warn('pod sync failed', {
              uid: rec.uid,
              pod: rec.pod?.metadata.name,
              error: (e as Error).message,
            });
          this.requeueAt(rec, this.opts.clock() + this.opts.retryIntervalMs);
        }
      } while (rec.dirty && !this.stopped);
      rec.running = false;
    })();
    return rec.done;
  }
}

function byNamespace<T extends { metadata: { namespace?: string; name?: string } }>(
  m: Map<string, T>,
  ns: string,
): Map<string, T> {
  const out = new Map<string, T>();
  for (const o of m.values())
    if ((o.metadata.namespace ?? 'default') === ns && o.metadata.name) out.set(o.metadata.name, o);
  return out;
}
