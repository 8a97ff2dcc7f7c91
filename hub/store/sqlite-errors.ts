// Errors specific to the SQLite backend's options, compaction and snapshot/restore.

import { StoreError } from './errors.js';

export class InvalidStoreOptionError extends StoreError {
  override name = 'InvalidStoreOptionError';
  constructor(
    readonly option: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`invalid store option ${option}=${String(value)}: ${reason}`);
  }
}

export class FutureRevisionError extends StoreError {
  override name = 'FutureRevisionError';
  constructor(
    readonly requested: number,
    readonly current: number,
  ) {
    super(`revision ${requested} is in the future; current revision is ${current}`);
  }
}

export class InvalidSnapshotError extends StoreError {
  override name = 'InvalidSnapshotError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path} is not a Drover store snapshot: ${reason}`);
  }
}

export class RestoreTargetExistsError extends StoreError {
  override name = 'RestoreTargetExistsError';
  constructor(readonly path: string) {
    super(`restore target ${path} already exists; remove it (and its -wal/-shm files) first`);
  }
}
