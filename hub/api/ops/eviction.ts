// pods/{name}/eviction (policy/v1 Eviction): a graceful delete that a PodDisruptionBudget may
// refuse, as upstream's eviction REST does. Steps: read the pod; a pod that is already going or
// not running is deleted outright; otherwise its one budget must allow a disruption, which is
// recorded in the budget's status (a compare-and-swap write, so two evictions cannot spend the
// same disruption) before the pod is deleted. A refusal is 429: kubectl drain waits and retries.

import type { Eviction, PodDisruptionBudget } from '../../../shared/api/policy.js';
import type { Pod } from '../../../shared/api/types.js';
import { coveredPods } from '../../controllers/disruption-budget.js';
import { isPodReady } from '../../controllers/active-pods.js';
import type { DeleteOptions } from '../client.js';
import type { SubresourceHandler } from '../core.js';
import { BadRequestError, DisruptionBudgetError, InternalError, MethodNotAllowedError } from '../errors.js';
import { fromKv, nowTimestamp, storePrefix } from '../meta.js';
import { isPlainObject } from '../patch/merge.js';
import { dryRunCore, dryRunRequested } from '../dry-run.js';
import { deleteObject } from './delete.js';
import { getObject } from './read.js';
import { applyUpdate } from './write.js';

const SUCCESS = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

function checkEviction(body: unknown, pod: string): Eviction {
  if (!isPlainObject(body) || (body.kind !== undefined && body.kind !== 'Eviction'))
    throw new BadRequestError(
      'the body must be a policy/v1 Eviction: {"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":POD}}',
    );
  const e = body as Eviction;
  if (e.metadata?.name && e.metadata.name !== pod)
    throw new BadRequestError(
      `the name of the Eviction (${e.metadata.name}) does not match the pod on the URL (${pod})`,
    );
  return e;
}

/** Pods that hold no running workload are not protected by a budget (upstream canIgnorePDB). */
function budgetIgnores(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return (
    !!pod.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending'
  );
}

export const evictionHandler: SubresourceHandler = async (ctx) => {
  if (ctx.method !== 'POST') throw new MethodNotAllowedError(ctx.method, 'pods/eviction');
  const eviction = checkEviction(ctx.body, ctx.name);
  const { dryRun, ...deleteOptions } = eviction.deleteOptions ?? {};
  // kubectl drain --dry-run=server puts dryRun in the Eviction's DeleteOptions.
  const core = dryRunRequested(dryRun ?? []) ? dryRunCore(ctx.core) : ctx.core;
  const remove = async () => {
    await deleteObject(core, ctx.def, ctx.namespace, ctx.name, deleteOptions as DeleteOptions);
    return SUCCESS;
  };
  const pod = (await getObject(core, ctx.def, ctx.namespace, ctx.name)) as Pod;
  if (budgetIgnores(pod)) return remove();

  const pdbDef = core.resolve('poddisruptionbudgets');
  const all = (await core.store.list(storePrefix(pdbDef, ctx.namespace))).items.map(
    (kv) => fromKv(kv) as PodDisruptionBudget,
  );
  const budgets = all.filter((b) => coveredPods(b, [pod]).length > 0);
  if (budgets.length === 0) return remove();
  if (budgets.length > 1)
    throw new InternalError(
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
  const name = budgets[0].metadata.name ?? '';
  const healthy = isPodReady(pod);
  await applyUpdate(
    core,
    pdbDef,
    ctx.namespace,
    name,
    (cur) => {
      const b = cur as PodDisruptionBudget;
      const s = b.status;
      if (!s || s.observedGeneration !== b.metadata.generation)
        throw new DisruptionBudgetError(name, 'is still being processed by the server');
      if (!healthy) {
        // IfHealthyBudget (the default): an unready pod may go while the budget is met anyway.
        if (b.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow' || s.currentHealthy >= s.desiredHealthy)
          return b;
        throw new DisruptionBudgetError(
          name,
          `needs ${s.desiredHealthy} healthy pods and has ${s.currentHealthy} currently`,
        );
      }
      if (s.disruptionsAllowed < 1)
        throw new DisruptionBudgetError(
          name,
          `needs ${s.desiredHealthy} healthy pods and has ${s.currentHealthy} currently`,
        );
      b.status = {
        ...s,
        disruptionsAllowed: s.disruptionsAllowed - 1,
        disruptedPods: { ...s.disruptedPods, [ctx.name]: nowTimestamp() },
      };
      return b;
    },
    'status',
  );
  return remove();
};
