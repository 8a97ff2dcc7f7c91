// Errors specific to the JetStream backend: the NATS cluster does not answer, writes that keep
// losing their compare-and-swap to other hubs, and restores into a bucket that holds data.

import { StoreError } from './errors.js';

/** NATS did not answer (all servers down, no JetStream quorum, or a request timed out). */
export class StoreUnavailableError extends StoreError {
  override name = 'StoreUnavailableError';
  constructor(
    readonly operation: string,
    readonly reason: string,
  ) {
    super(`store unavailable during ${operation}: ${reason}`);
  }
}

/** An unconditional write lost its internal compare-and-swap to other writers too many times. */
export class WriteContentionError extends StoreError {
  override name = 'WriteContentionError';
  constructor(
    readonly key: string,
    readonly attempts: number,
  ) {
    super(`key ${key} changed under ${attempts} write attempts in a row; retry the write`);
  }
}

export class RestoreTargetNotEmptyError extends StoreError {
  override name = 'RestoreTargetNotEmptyError';
  constructor(readonly bucket: string) {
    super(`restore target bucket ${bucket} already holds data; restore into a new bucket or delete it first`);
  }
}
