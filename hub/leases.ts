// In-memory node heartbeat table. A heartbeat is a map write, never a store write (10,000
// nodes at one heartbeat per 10 s cost no disk traffic). The coordination.k8s.io/v1 Lease
// `kube-node-lease/<node>` is persisted lazily — created on the first heartbeat, then
// renewed at most once per persistIntervalMs — so `kubectl get leases -n kube-node-lease`
// shows every node without a write per heartbeat. Each renewal is one merge patch (no read
// first). The renewals due within writeBatchMs (250 ms) go out together and share the store's
// group commits: each heartbeat arrives in its own turn of the loop, so one at a time every
// renewal was a commit and an fsync of its own (10,000 boards: ~170 a second; at 2,500 idle
// boards those commits were a fifth of the hub's busy time). A 1 s window (~170 patches in
// one turn at 10,000 boards) held the thread long enough to raise heartbeat latency p99 from
// 38 ms to 196 ms (before the store's group commit); 250 ms is ~40 patches per batch there.

import type { ApiClient } from './api/client.js';
import { isAlreadyExists, isNotFound } from './api/errors.js';
import type { Lease, NodeCondition } from '../shared/api/types.js';
import { createLogger, type Logger } from '../shared/log.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Default minimum interval between Lease writes per node, ms. */
export const DEFAULT_LEASE_PERSIST_INTERVAL_MS = 60_000;
/** Lease duration written into the Lease object, seconds (Kubernetes: 40). */
export const DEFAULT_LEASE_DURATION_S = 40;
/** Default window in which due Lease writes are gathered into one batch, ms (0: each at once). */
export const DEFAULT_LEASE_WRITE_BATCH_MS = 250;

/** Distinct reported Ready conditions kept before the table starts over. */
const MAX_READY_CONDITIONS = 1_000;

interface Entry {
  lastSeenMs?: number;
  connected: boolean;
  /** When the hub holding the node was found dead (several hubs), until the node is heard again. */
  orphanedAtMs?: number;
  /** The last Ready condition the agent reported itself (restored after an Unknown spell). */
  reportedReady?: NodeCondition;
  persistedAtMs?: number;
  persisting: boolean;
}

export interface LeaseTableOptions {
  /** Without a client nothing is persisted (unit use). */
  client?: ApiClient;
  persistIntervalMs?: number;
  /** Due Lease writes wait at most this long to go out together, ms (0: at once). */
  writeBatchMs?: number;
  leaseDurationSeconds?: number;
  log?: Logger;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaseTable {
  private readonly entries = new Map<string, Entry>();
  private readonly persistIntervalMs: number;
  private readonly writeBatchMs: number;
  private readonly leaseDurationSeconds: number;
  private readonly log: Logger;
  private readonly writes = new Set<Promise<void>>();
  /** Nodes whose Lease write is due, with the renew time to write, until the batch goes out. */
  private readonly due = new Map<string, number>();
  private batchTimer?: NodeJS.Timeout;
  private closed = false;
  /**
   * The reported Ready conditions kept, one object per distinct (status, reason, message): a
   * board's report repeats them, and each kept from its report held ~0.3 KiB a board.
   */
  private readonly readyConditions = new Map<string, NodeCondition>();
  /** When a node was last heard from for the first time by this table (a board returning after a hub start, or a new one). */
  private lastArrivalMs?: number;
  /** When an orphaned node (its hub found dead) was last heard from again: its board re-homed. */
  private lastOrphanReturnMs?: number;

  constructor(private readonly opts: LeaseTableOptions = {}) {
    this.persistIntervalMs = opts.persistIntervalMs ?? DEFAULT_LEASE_PERSIST_INTERVAL_MS;
    this.writeBatchMs = opts.writeBatchMs ?? DEFAULT_LEASE_WRITE_BATCH_MS;
    this.leaseDurationSeconds = opts.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_S;
    this.log = opts.log ?? createLogger('leases');
  }

  private entry(node: string): Entry {
    let e = this.entries.get(node);
    if (!e) {
      e = { connected: true, persisting: false };
      this.entries.set(node, e);
    }
    return e;
  }

  /**
   * A message from node's agent arrived (heartbeat or status): it is alive and connected.
   * persist=false for a heartbeat another hub relayed: the hub holding the board writes its Lease.
   */
  recordHeartbeat(node: string, nowMs = Date.now(), persist = true): void {
    const e = this.entry(node);
    if (e.lastSeenMs === undefined) this.lastArrivalMs = Math.max(this.lastArrivalMs ?? 0, nowMs);
    if (e.orphanedAtMs !== undefined) this.lastOrphanReturnMs = Math.max(this.lastOrphanReturnMs ?? 0, nowMs);
    e.lastSeenMs = Math.max(e.lastSeenMs ?? 0, nowMs);
    e.connected = true;
    e.orphanedAtMs = undefined;
    if (persist) this.maybePersist(node, e, nowMs);
  }

  /** The agent's connection dropped (last will). */
  markDisconnected(node: string): void {
    this.entry(node).connected = false;
  }

  /** The hub holding node died (another hub's relay found it silent): it is on its way to another hub. */
  markOrphaned(node: string, nowMs = Date.now()): void {
    this.entry(node).orphanedAtMs = nowMs;
  }

  /** When node's hub was found dead, if it has not been heard from since. */
  orphanedAt(node: string): number | undefined {
    return this.entries.get(node)?.orphanedAtMs;
  }

  /**
   * When a node was last heard from for the first time since this table was made (the hub's
   * start): after a restart, while this keeps moving, boards are still coming back.
   */
  lastArrival(): number | undefined {
    return this.lastArrivalMs;
  }

  /** When an orphaned node was last heard from again (a dead hub's boards still re-homing). */
  lastOrphanReturn(): number | undefined {
    return this.lastOrphanReturnMs;
  }

  lastSeen(node: string): number | undefined {
    return this.entries.get(node)?.lastSeenMs;
  }

  /** False only after a last will with no message since; unknown nodes count as connected. */
  isConnected(node: string): boolean {
    return this.entries.get(node)?.connected ?? true;
  }

  /** Keeps what the readers use of the agent's own Ready condition: type, status, reason, message. */
  setReportedReady(node: string, cond: NodeCondition | undefined): void {
    this.entry(node).reportedReady = cond && this.readyCondition(cond);
  }

  private readyCondition(c: NodeCondition): NodeCondition {
    const key = JSON.stringify([c.type, c.status, c.reason, c.message]);
    let kept = this.readyConditions.get(key);
    if (!kept) {
      // Bounded: boards choose the message; past this the table starts over.
      if (this.readyConditions.size >= MAX_READY_CONDITIONS) this.readyConditions.clear();
      kept = Object.freeze({
        type: c.type,
        status: c.status,
        ...(c.reason !== undefined ? { reason: c.reason } : {}),
        ...(c.message !== undefined ? { message: c.message } : {}),
      });
      this.readyConditions.set(key, kept);
    }
    return kept;
  }

  reportedReady(node: string): NodeCondition | undefined {
    return this.entries.get(node)?.reportedReady;
  }

  forget(node: string): void {
    this.entries.delete(node);
    this.due.delete(node);
  }

  /** Seconds since the last message of each connected node (heartbeat lag), unsorted. */
  ages(nowMs = Date.now()): number[] {
    const out: number[] = [];
    for (const e of this.entries.values())
      if (e.connected && e.lastSeenMs !== undefined) out.push(Math.max(0, nowMs - e.lastSeenMs) / 1000);
    return out;
  }

  size(): number {
    return this.entries.size;
  }

  /** Sends the due Lease writes and waits for those in flight; no new ones start after. */
  async close(): Promise<void> {
    this.writeDue();
    this.closed = true;
    await Promise.all([...this.writes]);
  }

  private maybePersist(node: string, e: Entry, nowMs: number): void {
    if (!this.opts.client || this.closed || e.persisting || this.due.has(node)) return;
    if (e.persistedAtMs !== undefined && nowMs - e.persistedAtMs < this.persistIntervalMs) return;
    this.due.set(node, nowMs);
    if (this.writeBatchMs <= 0) this.writeDue();
    else
      this.batchTimer ??= setTimeout(() => {
        this.batchTimer = undefined;
        this.writeDue();
      }, this.writeBatchMs);
  }

  /** Starts every due Lease write in one turn: their store commits are shared. */
  private writeDue(): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const client = this.opts.client;
    if (!client || this.closed) return;
    for (const [node, at] of this.due) {
      const e = this.entries.get(node);
      if (e && !e.persisting) this.startWrite(client, node, e, at);
    }
    this.due.clear();
  }

  private startWrite(client: ApiClient, node: string, e: Entry, nowMs: number): void {
    e.persisting = true;
    const p = this.persist(client, node, nowMs)
      .then(() => {
        e.persistedAtMs = nowMs;
      })
      .catch((err: unknown) => this.log.warn('lease write failed', { node, error: err as Error }))
      .finally(() => {
        e.persisting = false;
        this.writes.delete(p);
      });
    this.writes.add(p);
  }

  private async persist(client: ApiClient, node: string, nowMs: number): Promise<void> {
    const renewTime = microTime(nowMs);
    try {
      // A merge patch: the API reads the Lease once under it (acquireTime and the rest kept),
      // where a get and an update read it twice and send it whole.
      const spec = { holderIdentity: node, leaseDurationSeconds: this.leaseDurationSeconds, renewTime };
      await client.patch<Lease>('leases', NODE_LEASE_NAMESPACE, node, { spec }, 'merge');
      return;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    try {
      await client.create<Lease>('leases', NODE_LEASE_NAMESPACE, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: node, namespace: NODE_LEASE_NAMESPACE },
        spec: {
          holderIdentity: node,
          leaseDurationSeconds: this.leaseDurationSeconds,
          acquireTime: renewTime,
          renewTime,
        },
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e; // another writer won the race; the next interval updates it
    }
  }
}
