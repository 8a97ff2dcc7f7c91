// Node status report -> the Node object. Creates the Node on first report (labels
// kubernetes.io/hostname, arch, os plus the agent's own labels), then writes status through
// the `status` subresource only when something other than heartbeat times changed.

import { isAlreadyExists, isConflict, isNotFound } from '../api/errors.js';
import type { Node, NodeCondition, NodeStatus } from '../../shared/api/types.js';
import { ProtocolError, type NodeStatusReport } from '../../shared/protocol/messages.js';
import type { GatewayContext } from './context.js';

const MAX_CONFLICT_RETRIES = 5;

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function nodeLabels(node: string, r: NodeStatusReport): Record<string, string> {
  return {
    'kubernetes.io/hostname': node,
    'kubernetes.io/arch': r.nodeInfo.architecture,
    'kubernetes.io/os': r.nodeInfo.operatingSystem,
    ...(r.labels ?? {}),
  };
}

/** The status the report asks for; transition times kept where a condition did not change. */
export function statusFromReport(
  prev: NodeStatus | undefined,
  r: NodeStatusReport,
  nowMs: number,
): NodeStatus {
  const now = rfc3339(nowMs);
  const conditions: NodeCondition[] = r.conditions.map((c) => {
    const old = prev?.conditions?.find((p) => p.type === c.type);
    return {
      ...c,
      lastHeartbeatTime: now,
      lastTransitionTime:
        old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now,
    };
  });
  return {
    capacity: r.capacity,
    allocatable: r.allocatable,
    conditions,
    addresses: r.addresses,
    nodeInfo: r.nodeInfo,
    ...(r.images ? { images: r.images } : {}),
  };
}

/** JSON with sorted keys and without heartbeat times: equal when nothing real changed. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (k, x) => {
    if (k === 'lastHeartbeatTime') return undefined;
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      return Object.fromEntries(
        Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
      );
    }
    return x;
  });
}

export function sameStatus(a: NodeStatus | undefined, b: NodeStatus): boolean {
  return canonical(a ?? {}) === canonical(b);
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
      metadata: { name: node, labels: nodeLabels(node, r) },
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
  ctx.leases.recordHeartbeat(node, nowMs);
  ctx.leases.setReportedReady(
    node,
    r.conditions.find((c) => c.type === 'Ready'),
  );
  for (let attempt = 0; ; attempt++) {
    try {
      let cur = await getOrCreate(ctx, node, r);
      const want = nodeLabels(node, r);
      const labels = cur.metadata.labels ?? {};
      if (Object.entries(want).some(([k, v]) => labels[k] !== v)) {
        cur = await ctx.client.update<Node>('nodes', undefined, {
          ...cur,
          metadata: { ...cur.metadata, labels: { ...labels, ...want } },
        });
      }
      const status = statusFromReport(cur.status, r, nowMs);
      if (!sameStatus(cur.status, status)) {
        await ctx.client.update<Node>('nodes', undefined, { ...cur, status }, 'status');
      }
      break;
    } catch (e) {
      if (!isConflict(e) || attempt >= MAX_CONFLICT_RETRIES) throw e;
    }
  }
  ctx.onNodeActivity(node);
}
