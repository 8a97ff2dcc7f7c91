// Which pod changes a board must be sent again in its desired set (desired.ts). The agent
// reads all of a desired pod's metadata and spec, but of its status only `podIP` and `hostIP`
// (the downward API's `status.podIP` / `status.hostIP` env, agent/runtime/env.ts); every
// other status field it reports itself, from its own records (agent/pods/status.ts builds
// each report from the last one it sent, never from the hub's copy). So a status write that
// leaves those two alone (readiness, restarts, conditions, phase) tells the board nothing it
// does not know: republishing its node's set for it cost a serialization of the whole set and
// a retained publish per report. Agents already in the field read the same two fields, so the
// rule holds for them too.

import { isDeepStrictEqual } from 'node:util';
import type { Pod, PodStatus } from '../../shared/api/types.js';

/** The status fields an agent reads from a desired pod (keep in step with agent/runtime/env.ts). */
export const AGENT_READ_STATUS_FIELDS = ['podIP', 'hostIP'] as const satisfies readonly (keyof PodStatus)[];

/**
 * Whether the agent would see a difference between old and next: anything outside status
 * (resourceVersion aside: each write bumps it), or one of the status fields it reads.
 */
export function agentVisibleChange(old: Pod, next: Pod): boolean {
  for (const f of AGENT_READ_STATUS_FIELDS) if (old.status?.[f] !== next.status?.[f]) return true;
  const { status: _os, metadata: om, ...oldRest } = old;
  const { status: _ns, metadata: nm, ...nextRest } = next;
  if (!isDeepStrictEqual(oldRest, nextRest)) return true;
  return !isDeepStrictEqual({ ...om, resourceVersion: undefined }, { ...nm, resourceVersion: undefined });
}
