// The `scale` subresource of deployments and replicasets (and of custom resources whose CRD
// names the replicas paths): serves and accepts an autoscaling/v1 Scale. `kubectl scale`
// sends a merge PATCH of {"spec":{"replicas":N}} (or a PUT with resourceVersion when given
// --resource-version/--current-replicas).

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

/** Where a kind keeps what a Scale shows. */
export interface ScalePaths {
  specReplicas: string[];
  statusReplicas: string[];
  /** The selector as a string (status.selector of the Scale), if the kind has one. */
  selector(o: KubeObject): string | undefined;
}

const appsPaths: ScalePaths = {
  specReplicas: ['spec', 'replicas'],
  statusReplicas: ['status', 'replicas'],
  selector: (o) => {
    const sel = selectorString((o as Scalable).spec.selector);
    return sel !== '<none>' ? sel : undefined;
  },
};

function at(o: unknown, path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (isPlainObject(v) ? v[k] : undefined), o);
}

function setAt(o: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = o;
  for (const k of path.slice(0, -1)) {
    if (!isPlainObject(cur[k])) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

function scaleOf(o: KubeObject, p: ScalePaths): Scale {
  const m = o.metadata;
  const sel = p.selector(o);
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
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
    spec: { replicas: num(at(o, p.specReplicas)) },
    status: { replicas: num(at(o, p.statusReplicas)), ...(sel ? { selector: sel } : {}) },
  };
}

export function toScale(o: Scalable): Scale {
  return scaleOf(o, appsPaths);
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

/** The scale subresource of a kind keeping replicas at paths. */
export function scaleHandlerFor(paths: ScalePaths): SubresourceHandler {
  return async (ctx) => {
    const current = await getObject(ctx.core, ctx.def, ctx.namespace, ctx.name);
    if (ctx.method === 'GET') return scaleOf(current, paths);
    if (ctx.method !== 'PUT' && ctx.method !== 'PATCH')
      throw new MethodNotAllowedError(ctx.method, `${ctx.def.resource}/scale`);
    const scale = await incomingScale(ctx, scaleOf(current, paths));
    const replicas = scale.spec?.replicas;
    if (replicas === undefined) throw new BadRequestError('Scale spec.replicas is required');
    const rv = scale.metadata?.resourceVersion;
    const updated = await applyUpdate(ctx.core, ctx.def, ctx.namespace, ctx.name, (old) => {
      if (rv) old.metadata.resourceVersion = rv;
      setAt(old as unknown as Record<string, unknown>, paths.specReplicas, replicas);
      return old;
    });
    return scaleOf(updated, paths);
  };
}

export const scaleHandler: SubresourceHandler = scaleHandlerFor(appsPaths);

export interface SubresourceRegistrar {
  registerSubresourceHandler(resource: string, subresource: string, fn: SubresourceHandler): void;
}

/** Serves deployments/scale, replicasets/scale and statefulsets/scale on an API server (or its ApiCore). */
export function registerAppsSubresources(api: SubresourceRegistrar): void {
  api.registerSubresourceHandler('deployments', 'scale', scaleHandler);
  api.registerSubresourceHandler('replicasets', 'scale', scaleHandler);
  api.registerSubresourceHandler('statefulsets', 'scale', scaleHandler);
}
