// v1 Node status validation (ValidateNode's resource rules): capacity and allocatable use
// valid resource names and non-negative quantities, whole numbers for integer resources.
// The gateway's node restriction runs the same function on every board report.

import { parseQuantity } from '../../../shared/api/quantity.js';
import type { NodeStatus, StatusCause } from '../../../shared/api/types.js';
import { cause } from '../meta.js';
import { isIntegerResource, resourceNameErrors } from './resource-names.js';

function checkResourceList(field: string, list: Record<string, unknown> | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(list ?? {})) {
    for (const m of resourceNameErrors(k)) out.push(cause(`${field}[${k}]`, `Invalid value: "${k}": ${m}`));
    let q: number;
    try {
      q = parseQuantity(v as string | number);
    } catch {
      out.push(
        cause(
          `${field}[${k}]`,
          `Invalid value: "${String(v)}": must be a quantity such as 250m, 1, 256Mi or 1.5Gi`,
        ),
      );
      continue;
    }
    if (q < 0)
      out.push(cause(`${field}[${k}]`, `Invalid value: "${String(v)}": must be greater than or equal to 0`));
    else if (isIntegerResource(k) && !Number.isInteger(q))
      out.push(cause(`${field}[${k}]`, `Invalid value: "${String(v)}": must be an integer`));
  }
  return out;
}

export function validateNodeStatus(status: NodeStatus | undefined): StatusCause[] {
  return [
    ...checkResourceList('status.capacity', status?.capacity),
    ...checkResourceList('status.allocatable', status?.allocatable),
  ];
}
