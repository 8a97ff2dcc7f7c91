// The record a leader keeps renewed, and the compare-and-swap lock it lives in (the shape of
// Kubernetes' Lease-based resource lock: holder identity, lease duration, renew and acquire
// times; the lock's revision is what a write must expect).

export interface LeaderRecord {
  holderIdentity: string;
  leaseDurationMs: number;
  /** ms since the epoch, by the holder's clock (informational: candidates use their own clock). */
  acquireTime: number;
  renewTime: number;
  /** Bumped on every change of holder (Lease's leaseTransitions). */
  leaderTransitions: number;
}

export interface LockState {
  record: LeaderRecord;
  revision: number;
}

export interface LeaderLock {
  /** The current record, or undefined when nobody ever held the lock. */
  read(): Promise<LockState | undefined>;
  /** Creates the record; throws LockConflictError when it exists. Returns the new revision. */
  create(r: LeaderRecord): Promise<number>;
  /** Replaces the record if it is still at revision; throws LockConflictError otherwise. */
  update(r: LeaderRecord, revision: number): Promise<number>;
  /** A short description for logs (bucket/key). */
  describe(): string;
}

/** Another candidate wrote the lock first. */
export class LockConflictError extends Error {
  override name = 'LockConflictError';
  constructor(readonly lock: string) {
    super(`leader lock ${lock} was changed by another candidate`);
  }
}
