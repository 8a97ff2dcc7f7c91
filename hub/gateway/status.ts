// Node status report -> the Node object, after the node restriction gate admitted it. Creates
// the Node on first report (the node's own labels: hostname, arch, os and its allowlisted
// board labels), then writes status through the `status` subresource only when something
// other than heartbeat times changed. Each board reports once a minute when nothing changed
// (10,000 boards: ~170 reports/s), so the Node is read from the hub's cache, as the kubelet
// reads its Node from the API server's watch cache; a write goes to the store with that
// resourceVersion, and a Conflict reads the store.

import { isAlreadyExists, isConflict, isNotFound } from '../api/errors.js';
import type { Node, NodeCondition, NodeStatus } from '../../shared/api/types.js';
import { ProtocolError, type NodeStatusReport } from '../../shared/protocol/messages.js';
import type { GatewayContext } from './context.js';
import { admitNodeStatus } from './node-restriction.js';
import { labelsAfterReport } from './restriction/node-labels.js';
import { reportedStatus } from './restriction/node-status.js';

const MAX_CONFLICT_RETRIES = 5;

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The status the report asks for; transition times kept where a condition did not change. */
export function statusFromReport(
  prev: NodeStatus | undefined,
  r: NodeStatusReport,
  nowMs: number,
): NodeStatus {
  const now = rfc3339(nowMs);
  const conditions: NodeCondition[] = r.conditions.map((c) => {
    // Times are the hub's: a board's clock says nothing the hub can trust.
    const old = prev?.conditions?.find((p) => p.type === c.type);
    return {
      type: c.type,
      status: c.status,
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
      ...(c.message !== undefined ? { message: c.message } : {}),
      lastHeartbeatTime: now,
      lastTransitionTime:
        old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now,
    };
  });
  return { ...reportedStatus(r), conditions };
}

/**
 * Whether two JSON values are equal apart from heartbeat times and key order (a key holding
 * undefined counts as absent, as in JSON). Compared in place: every board's report (10,000
 * boards: ~170 a second) was turned into sorted-key JSON text first.
 */
function sameIgnoringHeartbeats(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameIgnoringHeartbeats(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (k === 'lastHeartbeatTime' || x[k] === undefined) continue;
    if (!sameIgnoringHeartbeats(x[k], y[k])) return false;
    n++;
  }
  for (const k in y) if (k !== 'lastHeartbeatTime' && y[k] !== undefined) n--;
  return n === 0;
}

/** a is the status held, b the one a report asks for: equal when nothing but heartbeat times differs. */
export function sameStatus(a: NodeStatus | undefined, b: NodeStatus): boolean {
  return sameIgnoringHeartbeats(a ?? {}, b);
}

async function getOrCreate(ctx: GatewayContext, node: string, r: NodeStatusReport): Promise<Node> {
  try {
    return await ctx.client.get<Node>('nodes', undefined, node);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  try {
    const created = await ctx.client.create<Node>('nodes', undefined, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: node, ...labelsAfterReport({}, node, r) },
      spec: {},
    });
    ctx.log.info('node registered', { node });
    return created;
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    return ctx.client.get<Node>('nodes', undefined, node);
  }
}

export async function handleStatus(
  ctx: GatewayContext,
  node: string,
  r: NodeStatusReport,
  nowMs = Date.now(),
): Promise<void> {
  if (r.nodeName !== node)
    throw new ProtocolError(`status for ${r.nodeName} published on node ${node}'s topic`);
  admitNodeStatus(r);
  ctx.usage?.record(node, nowMs, r.usage); // memory only: usage never reaches the store
  ctx.leases.recordHeartbeat(node, nowMs);
  ctx.leases.setReportedReady(
    node,
    r.conditions.find((c) => c.type === 'Ready'),
  );
  for (let attempt = 0; ; attempt++) {
    try {
      // After a Conflict the store decides.
      let cur = (attempt === 0 ? ctx.nodes?.get(`/${node}`) : undefined) ?? (await getOrCreate(ctx, node, r));
      const meta = labelsAfterReport(cur.metadata, node, r);
      if (meta) {
        cur = await ctx.client.update<Node>('nodes', undefined, {
          ...cur,
          metadata: { ...cur.metadata, ...meta },
        });
        ctx.nodes?.wrote(cur);
      }
      const status = statusFromReport(cur.status, r, nowMs);
      if (!sameStatus(cur.status, status)) {
        const written = await ctx.client.update<Node>('nodes', undefined, { ...cur, status }, 'status');
        ctx.nodes?.wrote(written);
      }
      break;
    } catch (e) {
      if (!isConflict(e) || attempt >= MAX_CONFLICT_RETRIES) throw e;
    }
  }
  ctx.onNodeActivity(node);
}
