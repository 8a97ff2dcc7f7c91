// Pod status as the kubelet may write it (its status manager's mergePodStatus): the fields a
// node owns come from the report, everything else (qosClass, nominatedNodeName, conditions
// other components own) stays as the API has it, and the result must pass the API's own pod
// status validation.

import { NEXT_IMAGES_CONDITION } from '../../../shared/api/next-images.js';
import type { Pod, PodStatus, StatusCause } from '../../../shared/api/types.js';
import { cause, required } from '../../api/meta.js';
import { validatePodStatus } from '../../api/resources/pod-status-validation.js';
import { podSchema } from '../../api/resources/pod-schema.js';
import { checkSchema, type Schema } from '../../api/schema.js';
import { REPORT_LIMITS } from './limits.js';
import { checkText } from './text.js';

/** Fields of pod.status the kubelet writes. */
const NODE_OWNED = [
  'phase',
  'conditions',
  'message',
  'reason',
  'hostIP',
  'hostIPs',
  'podIP',
  'podIPs',
  'startTime',
  'containerStatuses',
  'initContainerStatuses',
  'ephemeralContainerStatuses',
] as const;

/**
 * Pod condition types the node owns: the kubelet's (PodConditionByKubelet) and the board's
 * answer to drover.io/next-images; others are kept from the API.
 */
const KUBELET_CONDITIONS = new Set([
  'PodScheduled',
  'PodReadyToStartContainers',
  'Initialized',
  'ContainersReady',
  'Ready',
  NEXT_IMAGES_CONDITION,
]);

const statusSchema = (podSchema as { t: 'object'; fields: Record<string, Schema> }).fields.status;

/** The pod's status after the report, and every rule the report breaks (empty = admit). */
export function podStatusAfterReport(
  pod: Pod,
  reported: PodStatus,
): { status: PodStatus; problems: StatusCause[] } {
  const old = pod.status ?? {};
  const text = checkText(reported, 'status');
  if (text.length) return { status: old, problems: text };
  const schema = checkSchema(reported, statusSchema, 'status').map((p) => cause(p.path, p.message));
  if (schema.length) return { status: old, problems: schema };
  // The kubelet always reports the whole of its part; a report without a phase would wipe it.
  if (reported.phase === undefined) return { status: old, problems: [required('status.phase')] };
  const conds = reported.conditions ?? [];
  if (conds.length > REPORT_LIMITS.maxConditions)
    return {
      status: old,
      problems: [
        cause(
          'status.conditions',
          `Too many: ${conds.length}: must have at most ${REPORT_LIMITS.maxConditions} items`,
          'FieldValueTooMany',
        ),
      ],
    };
  const status: PodStatus = { ...old };
  const src = reported as Record<string, unknown>;
  const dst = status as Record<string, unknown>;
  for (const k of NODE_OWNED) {
    if (src[k] === undefined) delete dst[k];
    else dst[k] = src[k];
  }
  const conditions = [
    ...(old.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type)),
    ...conds.filter((c) => KUBELET_CONDITIONS.has(c.type)),
  ];
  if (conditions.length) status.conditions = conditions;
  else delete status.conditions;
  const problems = validatePodStatus(status, pod.spec, pod.status);
  for (const [i, c] of (reported.containerStatuses ?? []).entries())
    if (c.restartCount > REPORT_LIMITS.maxRestartCount)
      problems.push(
        cause(
          `status.containerStatuses[${i}].restartCount`,
          `Invalid value: must be at most ${REPORT_LIMITS.maxRestartCount}`,
        ),
      );
  return { status, problems };
}
