// Which hub holds each board's connection, and what each hub tells the others about its boards.
// A hub notes every board it hears from or loses (last will); once a tick the notes go out as
// one PresenceBatch. A batch from another hub makes that hub the board's holder; a will counts
// only from the board's current holder, so a late will from the hub a board just left does not
// mark it disconnected (the board already speaks through another hub).
// Every hub sends a batch each tick, empty when nothing happened: a hub's batches are its
// heartbeat, and a hub silent for longer than the dead-hub timeout is known dead (kill -9, a
// lost machine: no will reaches anyone), so its boards are orphaned: they are on their way to
// another hub and get a fresh grace from then (node-lifecycle.ts), not from their last heartbeat.

import type { NodeCondition } from '../../shared/api/types.js';
import type { PresenceBatch } from './messages.js';

/** Boards per batch at most (a batch stays far below NATS' 1 MiB default max payload). */
export const MAX_BATCH_NODES = 5_000;

export class Presence {
  /** node -> the last thing this hub saw of it since the last batch. */
  private readonly pending = new Map<string, 'seen' | 'will'>();
  /** node -> the hub that last reported it (this hub included). */
  private readonly holders = new Map<string, string>();
  /** node -> Ready status last sent, so an unchanged condition is not sent again. */
  private readonly sentReady = new Map<string, string>();
  /** Other hubs -> when their last batch arrived, ms. */
  private readonly heardFrom = new Map<string, number>();

  constructor(readonly hubId: string) {}

  /** This hub heard from node (heartbeat, status, any report). */
  seen(node: string): void {
    this.pending.set(node, 'seen');
    this.holders.set(node, this.hubId);
  }

  /** node's connection to this hub dropped (last will). */
  will(node: string): void {
    this.pending.set(node, 'will');
  }

  /** The hub that last reported node, if any. */
  holderOf(node: string): string | undefined {
    return this.holders.get(node);
  }

  /** The notes since the last call, at most MAX_BATCH_NODES boards each (one empty batch when nothing happened). */
  takeBatches(reportedReady: (node: string) => NodeCondition | undefined): PresenceBatch[] {
    const out: PresenceBatch[] = [];
    if (this.pending.size === 0) return [{ v: 1, hub: this.hubId, seen: [], ready: {}, wills: [] }];
    let b: PresenceBatch | undefined;
    let n = 0;
    for (const [node, what] of this.pending) {
      if (!b || n >= MAX_BATCH_NODES) {
        b = { v: 1, hub: this.hubId, seen: [], ready: {}, wills: [] };
        out.push(b);
        n = 0;
      }
      n++;
      if (what === 'will') {
        b.wills.push(node);
        continue;
      }
      b.seen.push(node);
      const r = reportedReady(node);
      const key = r ? `${r.status}/${r.reason ?? ''}/${r.message ?? ''}` : '';
      if (r && this.sentReady.get(node) !== key) {
        b.ready[node] = {
          type: 'Ready',
          status: r.status,
          ...(r.reason ? { reason: r.reason } : {}),
          ...(r.message ? { message: r.message } : {}),
        };
        this.sentReady.set(node, key);
      }
    }
    this.pending.clear();
    return out;
  }

  /** Another hub's batch (received at nowMs): its boards now held there; the wills that count (from the holder). */
  applyRemote(b: PresenceBatch, nowMs: number): { seen: string[]; wills: string[] } {
    if (b.hub === this.hubId) return { seen: [], wills: [] };
    this.heardFrom.set(b.hub, nowMs);
    for (const node of b.seen) {
      this.holders.set(node, b.hub);
      // This hub no longer holds it: its Ready is news again if it comes back here.
      this.sentReady.delete(node);
    }
    const wills = b.wills.filter((node) => this.holders.get(node) === b.hub);
    return { seen: b.seen, wills };
  }

  /**
   * The hubs silent for deadAfterMs or more at nowMs, each with the boards it held (orphans);
   * they are forgotten (a hub that comes back is heard from anew).
   */
  takeDeadHubs(nowMs: number, deadAfterMs: number): { hub: string; orphans: string[] }[] {
    const dead: { hub: string; orphans: string[] }[] = [];
    for (const [hub, at] of this.heardFrom) {
      if (nowMs - at < deadAfterMs) continue;
      this.heardFrom.delete(hub);
      const orphans: string[] = [];
      for (const [node, holder] of this.holders) if (holder === hub) orphans.push(node);
      dead.push({ hub, orphans });
    }
    return dead;
  }

  forget(node: string): void {
    this.holders.delete(node);
    this.sentReady.delete(node);
    this.pending.delete(node);
  }
}
