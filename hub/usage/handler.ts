// GET /api/v1/nodes/<name>/usage: a board's usage history (history.ts) for the dashboard.
// A subresource of the Node, so RBAC decides who reads it as for nodes/stats in Kubernetes
// (`get` on `nodes/usage`; cluster-admin has it, a role names it to grant it). The Node must
// exist: 404 otherwise, as any subresource of a missing object.

import type { SubresourceHandler } from '../api/core.js';
import { MethodNotAllowedError } from '../api/errors.js';
import { getObject } from '../api/ops/read.js';
import type { NodeUsageHistory } from '../../shared/api/usage.js';
import type { UsageHistory } from './history.js';

export function nodeUsageHandler(history: UsageHistory): SubresourceHandler {
  return async (ctx): Promise<NodeUsageHistory> => {
    if (ctx.method !== 'GET') throw new MethodNotAllowedError(ctx.method, 'nodes/usage');
    await getObject(ctx.core, ctx.def, undefined, ctx.name);
    return {
      apiVersion: 'drover.io/v1',
      kind: 'NodeUsageHistory',
      metadata: { name: ctx.name },
      capacity: history.samplesPerNode,
      samples: history.samples(ctx.name),
    };
  };
}
