// In-memory node heartbeat table. A heartbeat is a map write, never a store write (10,000
// nodes at one heartbeat per 10 s cost no disk traffic). The coordination.k8s.io/v1 Lease
// `kube-node-lease/<node>` is persisted lazily — created on the first heartbeat, then
// renewed at most once per persistIntervalMs — so `kubectl get leases -n kube-node-lease`
// shows every node without a write per heartbeat.

import type { ApiClient } from './api/client.js';
import { isAlreadyExists, isNotFound } from './api/errors.js';
import type { Lease, NodeCondition } from '../shared/api/types.js';
import { createLogger, type Logger } from '../shared/log.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Default minimum interval between Lease writes per node, ms. */
export const DEFAULT_LEASE_PERSIST_INTERVAL_MS = 60_000;
/** Lease duration written into the Lease object, seconds (Kubernetes: 40). */
export const DEFAULT_LEASE_DURATION_S = 40;

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
  private readonly leaseDurationSeconds: number;
  private readonly log: Logger;
  private readonly writes = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly opts: LeaseTableOptions = {}) {
    this.persistIntervalMs = opts.persistIntervalMs ?? DEFAULT_LEASE_PERSIST_INTERVAL_MS;
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

  lastSeen(node: string): number | undefined {
    return this.entries.get(node)?.lastSeenMs;
  }

  /** False only after a last will with no message since; unknown nodes count as connected. */
  isConnected(node: string): boolean {
    return this.entries.get(node)?.connected ?? true;
  }

  setReportedReady(node: string, cond: NodeCondition | undefined): void {
    this.entry(node).reportedReady = cond;
  }

  reportedReady(node: string): NodeCondition | undefined {
    return this.entries.get(node)?.reportedReady;
  }

  forget(node: string): void {
    this.entries.delete(node);
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

  /** Waits for Lease writes in flight; no new ones start after. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.writes]);
  }

  private maybePersist(node: string, e: Entry, nowMs: number): void {
    const client = this.opts.client;
    if (!client || this.closed || e.persisting) return;
    if (e.persistedAtMs !== undefined && nowMs - e.persistedAtMs < this.persistIntervalMs) return;
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
      const cur = await client.get<Lease>('leases', NODE_LEASE_NAMESPACE, node);
      await client.update<Lease>('leases', NODE_LEASE_NAMESPACE, {
        ...cur,
        spec: {
          ...cur.spec,
          holderIdentity: node,
          leaseDurationSeconds: this.leaseDurationSeconds,
          renewTime,
        },
      });
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
