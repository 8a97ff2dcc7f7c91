// The last step of a level-based reconcile: write the computed .status when it differs from the
// one read. Upstream's controllers (updateDaemonSetStatus, the Job controller's updateStatus)
// treat a conflict as "a newer object is on its way through the informer" and requeue, and a
// vanished object as nothing left to do; every status-owning controller here does the same.

import type { ApiClient } from '../api/client.js';
import { isConflict, isNotFound } from '../api/errors.js';
import type { KubeObject } from '../../shared/api/types.js';

/** What came of a status write. */
export type StatusWrite = 'unchanged' | 'written' | 'conflict' | 'gone';

/** PUTs obj with `status` on its status subresource unless `status` equals obj.status; onWritten gets the stored object. */
export async function writeStatusIfChanged<T extends KubeObject & { status?: S }, S>(
  client: ApiClient,
  resource: string,
  obj: T,
  status: S,
  onWritten?: (stored: T) => void,
): Promise<StatusWrite> {
  if (JSON.stringify(status) === JSON.stringify(obj.status ?? {})) return 'unchanged';
  try {
    const stored = await client.update<T>(resource, obj.metadata.namespace, { ...obj, status }, 'status');
    onWritten?.(stored);
    return 'written';
  } catch (e) {
    if (isConflict(e)) return 'conflict';
    if (isNotFound(e)) return 'gone';
    throw e;
  }
}
