// What a node may say about itself in a status report, checked before anything is written:
// the API's own Node validation (schema, resource names, quantities) plus the bounds a board
// in the field is held to: sane maxima, allocatable <= capacity, unique condition types with
// True/False/Unknown, bounded lists and strings, and only allowlisted labels.

import { parseQuantity } from '../../../shared/api/quantity.js';
import type { NodeStatus, StatusCause } from '../../../shared/api/types.js';
import { isLabelValue, isQualifiedName } from '../../../shared/api/validation.js';
import { isAgentLabelKey } from '../../../shared/api/node-labels.js';
import type { NodeStatusReport } from '../../../shared/protocol/messages.js';
import { cause, notSupported } from '../../api/meta.js';
import { validateNodeStatus } from '../../api/resources/node-validation.js';
import { nodes } from '../../api/resources/nodes.js';
import { checkSchema, type Schema } from '../../api/schema.js';
import { REPORT_LIMITS, resourceMax } from './limits.js';
import { checkText } from './text.js';

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'];

const statusSchema = (nodes.schema as { t: 'object'; fields: Record<string, Schema> }).fields.status;

function tooMany(field: string, n: number, max: number): StatusCause[] {
  return n > max ? [cause(field, `Too many: ${n}: must have at most ${max} items`, 'FieldValueTooMany')] : [];
}

export function checkConditions(field: string, conds: { type: string; status: string }[]): StatusCause[] {
  const out = tooMany(field, conds.length, REPORT_LIMITS.maxConditions);
  const seen = new Set<string>();
  conds.forEach((c, i) => {
    const f = `${field}[${i}]`;
    for (const m of isQualifiedName(c.type)) out.push(cause(`${f}.type`, `Invalid value: "${c.type}": ${m}`));
    if (seen.has(c.type)) out.push(cause(`${f}.type`, `Duplicate value: "${c.type}"`, 'FieldValueDuplicate'));
    seen.add(c.type);
    if (!CONDITION_STATUSES.includes(c.status))
      out.push(notSupported(`${f}.status`, c.status, ['True', 'False', 'Unknown']));
  });
  return out;
}

function checkResources(s: NodeStatus): StatusCause[] {
  const out = [
    ...tooMany('status.capacity', Object.keys(s.capacity ?? {}).length, REPORT_LIMITS.maxResources),
    ...tooMany('status.allocatable', Object.keys(s.allocatable ?? {}).length, REPORT_LIMITS.maxResources),
  ];
  if (out.length) return out;
  const value = (q: unknown) => {
    try {
      return parseQuantity(q as string);
    } catch {
      return undefined; // the API's validation names it
    }
  };
  for (const [list, field] of [
    [s.capacity, 'status.capacity'],
    [s.allocatable, 'status.allocatable'],
  ] as const)
    for (const [k, q] of Object.entries(list ?? {})) {
      const v = value(q);
      if (v !== undefined && v > resourceMax(k))
        out.push(cause(`${field}[${k}]`, `Invalid value: "${String(q)}": must be at most ${resourceMax(k)}`));
    }
  for (const [k, q] of Object.entries(s.allocatable ?? {})) {
    const a = value(q);
    const capQ = s.capacity?.[k];
    const c = capQ === undefined ? undefined : value(capQ);
    if (capQ === undefined)
      out.push(
        cause(`status.allocatable[${k}]`, 'Invalid value: a resource with no capacity cannot be allocatable'),
      );
    else if (a !== undefined && c !== undefined && a > c)
      out.push(
        cause(
          `status.allocatable[${k}]`,
          `Invalid value: "${String(q)}": must be less than or equal to capacity ${String(capQ)}`,
        ),
      );
  }
  return out;
}

function checkLabels(labels: Record<string, string>): StatusCause[] {
  const out = tooMany('labels', Object.keys(labels).length, REPORT_LIMITS.maxLabels);
  if (out.length) return out;
  for (const [k, v] of Object.entries(labels)) {
    if (!isAgentLabelKey(k))
      out.push(
        cause(
          `labels[${k}]`,
          `Forbidden: a node may not set label "${k}" (NodeRestriction)`,
          'FieldValueForbidden',
        ),
      );
    for (const m of isQualifiedName(k)) out.push(cause(`labels[${k}]`, `Invalid value: "${k}": ${m}`));
    for (const m of isLabelValue(v)) out.push(cause(`labels[${k}]`, `Invalid value: "${v}": ${m}`));
  }
  return out;
}

/** usage (kept in the hub's usage history, not the Node): numbers within a board's bounds only. */
function checkUsage(u: unknown): StatusCause[] {
  if (u === undefined) return [];
  if (u === null || typeof u !== 'object' || Array.isArray(u))
    return [cause('usage', 'Invalid value: must be an object')];
  const bounds: Record<string, number> = {
    cpuPercent: REPORT_LIMITS.maxUsageCpuPercent,
    memoryBytes: REPORT_LIMITS.maxMemoryBytes,
  };
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(u)) {
    const max = bounds[k];
    if (max === undefined)
      out.push(
        cause(
          `usage.${k}`,
          `Unsupported value: "${k}": supported: cpuPercent, memoryBytes`,
          'FieldValueNotSupported',
        ),
      );
    else if (typeof v !== 'number' || !(v >= 0 && v <= max))
      out.push(cause(`usage.${k}`, `Invalid value: ${String(v)}: must be a number from 0 to ${max}`));
  }
  return out;
}

/** The status part of a report, as the Node will hold it (times are added by the writer). */
export function reportedStatus(r: NodeStatusReport): NodeStatus {
  return {
    capacity: r.capacity,
    allocatable: r.allocatable,
    conditions: r.conditions,
    addresses: r.addresses,
    nodeInfo: r.nodeInfo,
    ...(r.images ? { images: r.images } : {}),
  };
}

/** Every rule a node status report breaks (empty = admit). */
export function nodeStatusProblems(r: NodeStatusReport): StatusCause[] {
  const text = checkText(r, 'report');
  if (text.length) return text; // a flood or garbage strings: do not look further
  const s = reportedStatus(r);
  const schema = checkSchema(s, statusSchema, 'status').map((p) => cause(p.path, p.message));
  if (schema.length) return schema;
  const out = [
    ...checkLabels(r.labels ?? {}),
    ...checkUsage(r.usage),
    ...validateNodeStatus(s),
    ...checkResources(s),
    ...checkConditions('status.conditions', r.conditions),
    ...tooMany('status.addresses', r.addresses.length, REPORT_LIMITS.maxAddresses),
    ...tooMany('status.images', r.images?.length ?? 0, REPORT_LIMITS.maxImages),
  ];
  (r.images ?? []).forEach((img, i) => {
    out.push(...tooMany(`status.images[${i}].names`, img.names.length, REPORT_LIMITS.maxNamesPerImage));
    if (img.sizeBytes !== undefined && !(img.sizeBytes >= 0 && img.sizeBytes <= REPORT_LIMITS.maxImageBytes))
      out.push(
        cause(
          `status.images[${i}].sizeBytes`,
          `Invalid value: ${img.sizeBytes}: must be 0 to ${REPORT_LIMITS.maxImageBytes}`,
        ),
      );
  });
  // The hub writes these three labels from what it knows; their values must still be labels.
  for (const [k, v] of [
    ['kubernetes.io/arch', r.nodeInfo.architecture],
    ['kubernetes.io/os', r.nodeInfo.operatingSystem],
  ])
    for (const m of isLabelValue(v))
      out.push(cause(`status.nodeInfo (label ${k})`, `Invalid value: "${v}": ${m}`));
  return out;
}
