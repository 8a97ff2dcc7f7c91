// Which pod changes a board must be sent again in its desired set (desired.ts). The agent
// reads all of a desired pod's metadata and spec, but of its status only `podIP` and `hostIP`,
// and only through a container's downward API env (`fieldRef: status.podIP|status.hostIP`,
// agent/runtime/env.ts); every other status field it reports itself, from its own records
// (agent/pods/status.ts builds each report from the last one it sent, never from the hub's
// copy). So a status write that leaves those two alone (readiness, restarts, conditions,
// phase), or sets them on a pod whose containers do not read them (nearly every pod: the
// board's first report carries both), tells the board nothing it does not know: republishing
// its node's set for it cost a serialization of the whole set and a retained publish per
// report (issue #21: one of the two sets sent per pod placed). Agents already in the field
// read the same two fields the same way, so the rule holds for them too. The same rule trims
// what a set carries (agentView): of the status only those two fields, and only for a pod whose
// containers read them (otherwise a set would carry whatever value was current at its last
// publish), and no metadata.managedFields (apply's bookkeeping, unread by any agent): a
// Running one-container DaemonSet pod goes out as 1.7 KB of JSON instead of 2.5 KB, held in
// the node's retained set and written through its TLS connection (issue #21).

import type { Container, Pod, PodStatus } from '../../shared/api/types.js';
import { jsonEqual } from '../../shared/json-equal.js';

/** The status fields an agent reads from a desired pod (keep in step with agent/runtime/env.ts). */
export const AGENT_READ_STATUS_FIELDS = ['podIP', 'hostIP'] as const satisfies readonly (keyof PodStatus)[];
const READ_PATHS: ReadonlySet<string> = new Set(AGENT_READ_STATUS_FIELDS.map((f) => `status.${f}`));

function envReadsStatus(containers: readonly Container[] | undefined): boolean {
  for (const c of containers ?? [])
    for (const e of c.env ?? []) {
      const path = e.valueFrom?.fieldRef?.fieldPath;
      if (path !== undefined && READ_PATHS.has(path)) return true;
    }
  return false;
}

/** Whether any container of the pod reads status.podIP or status.hostIP (downward API env). */
export function readsStatusFields(p: Pod): boolean {
  return envReadsStatus(p.spec.containers) || envReadsStatus(p.spec.initContainers);
}

/**
 * Whether the agent would see a difference between old and next: anything outside status
 * (resourceVersion aside: each write bumps it), or one of the status fields it reads when a
 * container of the pod reads them.
 */
export function agentVisibleChange(old: Pod, next: Pod): boolean {
  const os = old.status;
  const ns = next.status;
  if (
    AGENT_READ_STATUS_FIELDS.some((f) => os?.[f] !== ns?.[f]) &&
    (readsStatusFields(old) || readsStatusFields(next))
  )
    return true;
  for (const k of new Set([...Object.keys(old), ...Object.keys(next)])) {
    if (k === 'status' || k === 'metadata') continue;
    if (
      !jsonEqual(
        (old as unknown as Record<string, unknown>)[k],
        (next as unknown as Record<string, unknown>)[k],
      )
    )
      return true;
  }
  const om = old.metadata as Record<string, unknown>;
  const nm = next.metadata as Record<string, unknown>;
  for (const k of new Set([...Object.keys(om), ...Object.keys(nm)])) {
    if (k === 'resourceVersion') continue;
    if (!jsonEqual(om[k], nm[k])) return true;
  }
  return false;
}

/**
 * The pod as a desired set carries it: what the agent reads (all of spec, metadata without
 * managedFields, the status fields it reads when a container reads them). A new object
 * sharing pod's parts (never mutate).
 */
export function agentView(pod: Pod): Pod {
  const { status, metadata, ...rest } = pod;
  const view: Pod = { ...rest, metadata };
  if ((metadata as { managedFields?: unknown }).managedFields !== undefined) {
    const { managedFields: _mf, ...meta } = metadata as typeof metadata & { managedFields?: unknown };
    view.metadata = meta;
  }
  if (!status || !readsStatusFields(pod)) return view;
  let read: PodStatus | undefined;
  for (const f of AGENT_READ_STATUS_FIELDS) {
    const v = status[f];
    if (v === undefined) continue;
    read ??= {};
    read[f] = v;
  }
  if (read) view.status = read;
  return view;
}
