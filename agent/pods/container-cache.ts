// The node's containers as the pod manager sees them, kept by list + watch (kubelet's evented
// PLEG): one list when the runtime's event stream opens, then the stream's events patch the
// records in place, so a pod sync reads its containers without asking the runtime. The sync
// refreshes (inspects) only what it just changed. A periodic relist (one list call) catches
// anything the stream missed; until the first list after a (re)open succeeded the cache is not
// synced, and the manager creates nothing (a stale view would start duplicates).
//
// Ordering: every write to a record carries the time it reflects (the runtime's event time, or
// the moment an inspect or list was asked); a write older than the record is dropped.
import type { Logger } from '../../shared/log.js';
import { ContainerNotFoundError } from '../runtime/errors.js';
import { LABEL_POD_UID } from '../runtime/labels.js';
import type { RuntimeHealth } from './runtime-health.js';
import type {
  ContainerEvent,
  EventWatch,
  LabelFilter,
  Runtime,
  RuntimeContainer,
} from '../runtime/runtime.js';

export interface ContainerCacheOptions {
  runtime: Runtime;
  /** Told of every list and stream outcome: logs the runtime going away once, backs off retries. */
  health: RuntimeHealth;
  /** Reopen delay after a stream that closed while the runtime answers, ms. */
  retryMinMs: number;
  /** Which containers are ours (the node label). */
  labels: LabelFilter;
  log: Logger;
  /** The containers of this pod uid changed (or appeared, or went away). */
  onChange: (uid: string) => void;
  /** After every successful list: the manager reconciles (ghosts, leaving pods, desired pods). */
  onSynced: () => void;
  /** Relist period, ms. */
  resyncIntervalMs: number;
  clock: () => number;
}

interface Entry {
  c: RuntimeContainer;
  /** ms since epoch of the state this record reflects. */
  asOf: number;
}

export class ContainerCache {
  private readonly entries = new Map<string, Entry>();
  private watch?: EventWatch;
  private open = false;
  private synced = false;
  private stopped = false;
  private listing?: Promise<void>;
  private relistAgain = false;
  private retryTimer?: NodeJS.Timeout;
  private resyncTimer?: NodeJS.Timeout;
  /** Docker calls made by the cache (list, inspect), for the benchmark's per-pod count. */
  calls = 0;

  constructor(private readonly o: ContainerCacheOptions) {}

  /** Opens the event stream and lists; resolves after the first list (or its failure: it retries). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.openStream();
    this.resyncTimer = setInterval(() => void this.relist(), this.o.resyncIntervalMs);
    this.resyncTimer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    this.watch = undefined;
    clearTimeout(this.retryTimer);
    clearInterval(this.resyncTimer);
  }

  /** Listed since the stream last (re)opened: the view may be trusted to create containers. */
  isSynced(): boolean {
    return this.synced;
  }

  forPod(uid: string): RuntimeContainer[] {
    const out: RuntimeContainer[] = [];
    for (const e of this.entries.values()) if (e.c.labels[LABEL_POD_UID] === uid) out.push(e.c);
    return out;
  }

  podUids(): Set<string> {
    const out = new Set<string>();
    for (const e of this.entries.values()) {
      const uid = e.c.labels[LABEL_POD_UID];
      if (uid) out.add(uid);
    }
    return out;
  }

  /** Inspects one container now (after the sync changed it); a vanished one is dropped. */
  async refresh(id: string): Promise<void> {
    const at = this.o.clock();
    this.calls++;
    try {
      this.put(await this.o.runtime.inspectContainer(id), at);
    } catch (e) {
      if (e instanceof ContainerNotFoundError) this.drop(id, at);
      else throw e;
    }
  }

  /** The sync removed it. */
  forget(id: string): void {
    this.drop(id, this.o.clock());
  }

  private openStream(): Promise<void> {
    return new Promise<void>((resolve) => {
      let first = true;
      const settle = () => {
        if (first) {
          first = false;
          resolve();
        }
      };
      this.watch = this.o.runtime.watchContainers(this.o.labels, {
        onOpen: () => {
          this.open = true;
          this.relist().finally(settle);
        },
        onEvent: (ev) => this.onEvent(ev),
        onClose: (err) => {
          this.open = false;
          this.synced = false;
          this.watch = undefined;
          settle();
          if (this.stopped) return;
          if (!this.o.health.failed(err))
            this.o.log.warn('runtime event stream closed, reopening', { error: err?.message });
          const delay = this.o.health.nextPollMs(this.o.retryMinMs);
          this.retryTimer = setTimeout(() => void this.openStream(), delay);
        },
      });
    });
  }

  /** Lists the containers; inspects only the new ones and those whose state changed. */
  relist(): Promise<void> {
    if (this.listing) {
      this.relistAgain = true;
      return this.listing;
    }
    this.listing = (async () => {
      do {
        this.relistAgain = false;
        await this.listOnce();
      } while (this.relistAgain && !this.stopped);
    })().finally(() => {
      this.listing = undefined;
    });
    return this.listing;
  }

  private async listOnce(): Promise<void> {
    if (this.stopped || !this.open) return;
    const at = this.o.clock();
    try {
      this.calls++;
      const list = await this.o.runtime.listContainerSummaries(this.o.labels);
      const seen = new Set(list.map((s) => s.id));
      await Promise.all(
        list.map(async (s) => {
          const e = this.entries.get(s.id);
          if (e && e.c.state === s.state) return;
          await this.refresh(s.id);
        }),
      );
      for (const [id, e] of this.entries) if (!seen.has(id) && e.asOf <= at) this.drop(id, at);
      this.o.health.ok();
      if (!this.open) return; // the stream closed meanwhile: events may have been missed
      this.synced = true;
      this.o.onSynced();
    } catch (e) {
      if (!this.o.health.failed(e)) this.o.log.warn('runtime list failed', { error: (e as Error).message });
    }
  }

  private onEvent(ev: ContainerEvent): void {
    const e = this.entries.get(ev.id);
    if (ev.action === 'destroy') {
      this.drop(ev.id, ev.time);
      return;
    }
    if (e && ev.time < e.asOf) return; // the record already reflects a later state
    if (!e) {
      if (ev.action !== 'create') {
        // Not seen created (before our list, or a missed event): ask the runtime.
        this.refresh(ev.id).catch((err: Error) =>
          this.o.log.warn('inspect after event failed', { id: ev.id, error: err.message }),
        );
        return;
      }
      const at = new Date(ev.time).toISOString();
      this.put(
        {
          id: ev.id,
          name: ev.name ?? ev.id,
          labels: ev.labels,
          state: 'created',
          exitCode: 0,
          createdAt: at,
          image: ev.image ?? '',
          imageID: '',
          oomKilled: false,
        },
        ev.time,
      );
      return;
    }
    const c = { ...e.c };
    const at = new Date(ev.time).toISOString();
    switch (ev.action) {
      case 'start':
        c.state = 'running';
        c.startedAt = at;
        c.finishedAt = undefined;
        c.exitCode = 0;
        c.oomKilled = false;
        c.error = undefined;
        break;
      case 'die':
        c.state = 'exited';
        c.finishedAt = at;
        c.exitCode = ev.exitCode ?? c.exitCode;
        c.ipAddress = undefined;
        break;
      case 'oom':
        c.oomKilled = true;
        break;
      case 'pause':
        c.state = 'paused';
        break;
      case 'unpause':
        c.state = 'running';
        break;
      case 'create':
        return;
    }
    this.put(c, ev.time);
  }

  private put(c: RuntimeContainer, asOf: number): void {
    const e = this.entries.get(c.id);
    if (e && asOf < e.asOf) return;
    this.entries.set(c.id, { c, asOf });
    const uid = c.labels[LABEL_POD_UID];
    // A refresh that only confirms what the sync already knew asks for no further sync.
    if (uid && (!e || fingerprint(e.c) !== fingerprint(c))) this.o.onChange(uid);
  }

  private drop(id: string, asOf: number): void {
    const e = this.entries.get(id);
    if (!e || asOf < e.asOf) return;
    this.entries.delete(id);
    const uid = e.c.labels[LABEL_POD_UID];
    if (uid) this.o.onChange(uid);
  }
}

/** What a pod sync decides on: a change here asks for a sync (times are refined, not changed). */
function fingerprint(c: RuntimeContainer): string {
  return `${c.state}|${c.exitCode}|${c.error}|${c.oomKilled}|${c.ipAddress}`;
}
