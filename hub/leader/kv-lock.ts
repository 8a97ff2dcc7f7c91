// The leader lock as one key in a NATS KV bucket of its own (not the store's bucket, so lease
// renewals do not bump the store's revision): CAS through the KV's expected revision.

import type { KV, NatsConnection } from 'nats';
import { type LeaderLock, type LeaderRecord, LockConflictError, type LockState } from './lock.js';

/** JetStream's "wrong last sequence": the expected revision did not match. */
const WRONG_LAST_SEQUENCE = 10071;
export const LEADER_BUCKET = 'drover-leader';
export const LEADER_KEY = 'hub';

const enc = new TextEncoder();
const dec = new TextDecoder();

function conflict(err: unknown): boolean {
  return (err as { api_error?: { err_code?: number } })?.api_error?.err_code === WRONG_LAST_SEQUENCE;
}

export class KvLeaderLock implements LeaderLock {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, replicas: number): Promise<KvLeaderLock> {
    const kv = await nc.jetstream().views.kv(LEADER_BUCKET, { history: 1, replicas });
    return new KvLeaderLock(kv);
  }

  describe(): string {
    return `${LEADER_BUCKET}/${LEADER_KEY}`;
  }

  async read(): Promise<LockState | undefined> {
    const e = await this.kv.get(LEADER_KEY);
    if (!e || e.operation !== 'PUT') return undefined;
    return { record: JSON.parse(dec.decode(e.value)) as LeaderRecord, revision: e.revision };
  }

  async create(r: LeaderRecord): Promise<number> {
    try {
      return await this.kv.create(LEADER_KEY, enc.encode(JSON.stringify(r)));
    } catch (err) {
      if (conflict(err)) throw new LockConflictError(this.describe());
      throw err;
    }
  }

  async update(r: LeaderRecord, revision: number): Promise<number> {
    try {
      return await this.kv.update(LEADER_KEY, enc.encode(JSON.stringify(r)), revision);
    } catch (err) {
      if (conflict(err)) throw new LockConflictError(this.describe());
      throw err;
    }
  }
}
