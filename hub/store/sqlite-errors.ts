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

/** The file is not a Drover store (or snapshot) of a schema this code reads. */
export class NotAStoreError extends StoreError {
  override name = 'NotAStoreError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} is not a Drover store: ${reason}`);
  }
}

export class RestoreTargetExistsError extends StoreError {
  override name = 'RestoreTargetExistsError';
  constructor(readonly path: string) {
    super(`restore target ${path} already exists; remove it (and its -wal/-shm files) first`);
  }
}
