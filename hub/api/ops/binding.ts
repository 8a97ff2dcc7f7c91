// pods/{name}/binding: the scheduler's write. Sets spec.nodeName once and PodScheduled=True.

import type { Binding, Pod, PodCondition } from '../../../shared/api/types.js';
import type { SubresourceHandler } from '../core.js';
import { BadRequestError, ConflictError, MethodNotAllowedError } from '../errors.js';
import { nowTimestamp } from '../meta.js';
import { isPlainObject } from '../patch/merge.js';
import { applyUpdate } from './write.js';

export const bindingHandler: SubresourceHandler = async (ctx) => {
  if (ctx.method !== 'POST') throw new MethodNotAllowedError(ctx.method, 'pods/binding');
  const b = ctx.body as Binding | undefined;
  if (!isPlainObject(b) || (b.kind !== undefined && b.kind !== 'Binding'))
    throw new BadRequestError(
      'the body must be a v1 Binding: {"apiVersion":"v1","kind":"Binding","metadata":{"name":POD},"target":{"kind":"Node","name":NODE}}',
    );
  const target = b.target?.name;
  if (!target) throw new BadRequestError('Binding target.name (the node) is required');
  if (b.metadata?.name && b.metadata.name !== ctx.name)
    throw new BadRequestError(
      `the name of the Binding (${b.metadata.name}) does not match the pod on the URL (${ctx.name})`,
    );
  // One write for spec.nodeName and PodScheduled=True, as the apiserver's binding does.
  await applyUpdate(
    ctx.core,
    ctx.def,
    ctx.namespace,
    ctx.name,
    (old) => {
      const pod = old as Pod;
      if (pod.metadata.deletionTimestamp)
        throw new ConflictError('pods', ctx.name, '', 'pod is being deleted, cannot be assigned to a host');
      if (pod.spec.nodeName)
        throw new ConflictError(
          'pods',
          ctx.name,
          '',
          `pod ${ctx.name} is already assigned to node "${pod.spec.nodeName}"`,
        );
      pod.spec.nodeName = target;
      const conds: PodCondition[] = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
      conds.push({
        type: 'PodScheduled',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: nowTimestamp(),
      });
      pod.status = { ...(pod.status ?? {}), conditions: conds };
      return pod;
    },
    undefined,
    { bypassUpdateRules: true, withStatus: true },
  );
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
};
