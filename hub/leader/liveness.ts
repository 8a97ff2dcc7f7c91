// Is a hub leading now? For offline maintenance on a shared store (encryption key rotation),
// which must not run beside a live hub. The record's times are the holder's clock, so as an
// elector does, this watches the record instead: a leader renews it every retry period; a
// released lock has no holder; a holder that stops renewing for its lease duration is dead.

import type { LeaderLock } from './lock.js';

/** Poll period while watching for a renewal, ms. */
const POLL_MS = 250;

export async function leaderAlive(lock: LeaderLock): Promise<boolean> {
  const first = await lock.read();
  if (!first || first.record.holderIdentity === '') return false;
  const deadline = Date.now() + first.record.leaseDurationMs + POLL_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const now = await lock.read();
    if (!now || now.record.holderIdentity === '') return false;
    if (now.revision !== first.revision) return true;
  }
  return false;
}
