// Typed store errors: one class per failure mode. The API maps each to a Kubernetes Status.

export class StoreError extends Error {
  override name = 'StoreError';
}

export class KeyExistsError extends StoreError {
  override name = 'KeyExistsError';
  constructor(readonly key: string) {
    super(`key ${key} already exists`);
  }
}

export class KeyNotFoundError extends StoreError {
  override name = 'KeyNotFoundError';
  constructor(readonly key: string) {
    super(`key ${key} not found`);
  }
}

export class RevisionConflictError extends StoreError {
  override name = 'RevisionConflictError';
  constructor(
    readonly key: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`key ${key} was modified: expected revision ${expected}, found ${actual}`);
  }
}

export class CompactedError extends StoreError {
  override name = 'CompactedError';
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`revision ${requested} has been compacted; oldest available is ${compacted + 1}`);
  }
}

export class StoreClosedError extends StoreError {
  override name = 'StoreClosedError';
  constructor() {
    super('store is closed');
  }
}

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

/**
 * The disk under the store is full: the write was not committed (nothing of its batch was).
 * As etcd's "database space exceeded": writes fail until space is freed, reads keep working.
 */
export class StoreFullError extends StoreError {
  override name = 'StoreFullError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(
      `the store's disk is full (${path}: ${detail}); writes fail until space is freed, reads still work`,
    );
  }
}
