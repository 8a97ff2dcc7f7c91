// The UIDs of a controller's objects that are gone from its informer, by key. A workload
// controller reconciles the key of a deleted object once more to let go of its pods (held pods
// stop waiting for a replacement: next-images.ts); it finds them by the pods' `owner-uid`
// index, so it must know which UIDs the key had, and the informer no longer holds the object.
// Remembered from the object's DELETED event, and from pods whose controller reference names a
// key that is not held (a hub that started after the deletion learns the UID from the pods);
// forgotten once the key is released, or when an object of that key is held again.

import type { Pod } from '../../shared/api/types.js';
import { INDEX_CONTROLLER_UID } from '../informers/indexes.js';
import type { Informer } from '../informers/informer.js';

export class GoneOwners {
  private readonly uids = new Map<string, Set<string>>();

  /** The object of key with this UID is not held (deleted, or not seen yet). */
  remember(key: string, uid: string | undefined): void {
    if (!uid) return;
    let set = this.uids.get(key);
    if (!set) {
      set = new Set();
      this.uids.set(key, set);
    }
    set.add(uid);
  }

  /** Nothing left to release for key (released, or held again). */
  forget(key: string): void {
    this.uids.delete(key);
  }

  /** The pods controlled by key's gone objects, by the owner-uid index (no scan). */
  podsOf(key: string, pods: Informer<Pod>): Pod[] {
    const set = this.uids.get(key);
    if (!set) return [];
    return [...set].flatMap((uid) => pods.byIndex(INDEX_CONTROLLER_UID, uid));
  }

  /** Keys remembered (for tests: nothing is kept once released). */
  size(): number {
    return this.uids.size;
  }
}
