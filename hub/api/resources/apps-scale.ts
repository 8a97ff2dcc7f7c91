// The `scale` subresource of deployments and replicasets: serves and accepts an
// autoscaling/v1 Scale. `kubectl scale` sends a merge PATCH of {"spec":{"replicas":N}} (or a
// PUT with resourceVersion when given --resource-version/--current-replicas).

import type { Scale } from '../../../shared/api/apps.js';
import type { KubeObject } from '../../../shared/api/types.js';
import type { SubresourceContext, SubresourceHandler } from '../core.js';
import { BadRequestError, MethodNotAllowedError } from '../errors.js';
import { getObject } from '../ops/read.js';
import { applyPatch, applyUpdate } from '../ops/write.js';
import { isPlainObject } from '../patch/merge.js';
import { checkSchema } from '../schema.js';
import { scaleSchema } from './apps-schema.js';
import { selectorString } from './apps-table.js';

interface Scalable extends KubeObject {
  spec: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: { replicas?: number };
}

export function toScale(o: Scalable): Scale {
  const m = o.metadata;
  const sel = selectorString(o.spec.selector);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: o.spec.replicas ?? 0 },
    status: { replicas: o.status?.replicas ?? 0, ...(sel !== '<none>' ? { selector: sel } : {}) },
  };
}

function checkScale(body: unknown): Scale {
  if (!isPlainObject(body)) throw new BadRequestError('the body must be an autoscaling/v1 Scale object');
  if (body.kind !== undefined && body.kind !== 'Scale')
    throw new BadRequestError(
      `the kind in the data (${String(body.kind)}) must be Scale for the scale subresource`,
    );
  const problems = checkSchema(body, scaleSchema);
  if (problems.length)
    throw new BadRequestError(`error decoding Scale: ${problems.map((p) => p.message).join('; ')}`);
  return body as unknown as Scale;
}

async function incomingScale(ctx: SubresourceContext, current: Scale): Promise<Scale> {
  if (ctx.method === 'PUT') return checkScale(ctx.body);
  if (!ctx.patch) throw new BadRequestError('PATCH of the scale subresource is served over HTTP only');
  return checkScale(applyPatch(ctx.patch.type, current, ctx.patch.patch));
}

export const scaleHandler: SubresourceHandler = async (ctx) => {
  const current = (await getObject(ctx.core, ctx.def, ctx.namespace, ctx.name)) as Scalable;
  if (ctx.method === 'GET') return toScale(current);
  if (ctx.method !== 'PUT' && ctx.method !== 'PATCH')
    throw new MethodNotAllowedError(ctx.method, `${ctx.def.resource}/scale`);
  const scale = await incomingScale(ctx, toScale(current));
  const replicas = scale.spec?.replicas;
  if (replicas === undefined) throw new BadRequestError('Scale spec.replicas is required');
  const rv = scale.metadata?.resourceVersion;
  const updated = await applyUpdate(ctx.core, ctx.def, ctx.namespace, ctx.name, (old) => {
    const o = old as Scalable;
    if (rv) o.metadata.resourceVersion = rv;
    o.spec.replicas = replicas;
    return o;
  });
  return toScale(updated as Scalable);
};

export interface SubresourceRegistrar {
  registerSubresourceHandler(resource: string, subresource: string, fn: SubresourceHandler): void;
}

/** Serves deployments/scale and replicasets/scale on an API server (or its ApiCore). */
export function registerAppsSubresources(api: SubresourceRegistrar): void {
  api.registerSubresourceHandler('deployments', 'scale', scaleHandler);
  api.registerSubresourceHandler('replicasets', 'scale', scaleHandler);
}
