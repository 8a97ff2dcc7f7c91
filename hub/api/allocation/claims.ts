// What a Service holds outside its own key: its ClusterIP and NodePorts, one store key each
// (as upstream's IPAddress objects), created only if absent, so two Services can never hold the
// same one even when they are written at the same time on different hubs. A claim names its
// owner (namespace, name, uid); a deleted Service releases its claims, and a claim whose owner
// is gone or no longer holds it (a crash between claim and write) is taken over after a grace.

import type { Store } from '../../store/store.js';
import { KeyExistsError, KeyNotFoundError, RevisionConflictError } from '../../store/errors.js';

/** A claim without its owner is left alone this long (the owner may be being written), ms. */
export const ORPHAN_CLAIM_GRACE_MS = 60_000;
const CAS_RETRIES = 5;

export const CLUSTER_IP_PREFIX = '/registry/ranges/serviceips/';
export const NODE_PORT_PREFIX = '/registry/ranges/servicenodeports/';

export interface ClaimOwner {
  namespace: string;
  name: string;
  uid: string;
}

interface ClaimValue extends ClaimOwner {
  /** ms since the epoch. */
  at: number;
}

export type ClaimResult = 'claimed' | 'held' | 'taken';

function parse(value: string): ClaimValue | undefined {
  try {
    const v = JSON.parse(value) as ClaimValue;
    return typeof v.uid === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Claims key for owner. 'held' = owner had it already; 'taken' = a live Service holds it
 * (stillHolds says whether that Service's current object uses the key).
 */
export async function claimKey(
  store: Store,
  key: string,
  owner: ClaimOwner,
  stillHolds: (holder: ClaimOwner) => Promise<boolean>,
  now = Date.now(),
): Promise<ClaimResult> {
  const value = JSON.stringify({ ...owner, at: now } satisfies ClaimValue);
  for (let i = 0; i < CAS_RETRIES; i++) {
    try {
      await store.create(key, value);
      return 'claimed';
    } catch (e) {
      if (!(e instanceof KeyExistsError)) throw e;
    }
    const kv = await store.get(key);
    if (!kv) continue;
    const cur = parse(kv.value);
    if (cur?.uid === owner.uid) return 'held';
    if (cur && (now - cur.at < ORPHAN_CLAIM_GRACE_MS || (await stillHolds(cur)))) return 'taken';
    try {
      await store.update(key, value, kv.modRevision);
      return 'claimed';
    } catch (e) {
      if (!(e instanceof RevisionConflictError || e instanceof KeyNotFoundError)) throw e;
    }
  }
  return 'taken';
}

/** Removes key if owner (by uid) still holds it. */
export async function releaseKey(store: Store, key: string, uid: string): Promise<void> {
  const kv = await store.get(key);
  if (!kv || parse(kv.value)?.uid !== uid) return;
  try {
    await store.delete(key, kv.modRevision);
  } catch (e) {
    if (!(e instanceof RevisionConflictError || e instanceof KeyNotFoundError)) throw e;
  }
}
