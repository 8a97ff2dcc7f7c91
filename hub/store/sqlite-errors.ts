// Errors specific to the SQLite backend's snapshot/restore (the shared ones are in errors.ts).

import { StoreError } from './errors.js';

export class RestoreTargetExistsError extends StoreError {
  override name = 'RestoreTargetExistsError';
  constructor(readonly path: string) {
    super(`restore target ${path} already exists; remove it (and its -wal/-shm files) first`);
  }
}
