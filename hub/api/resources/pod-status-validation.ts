// v1 Pod status validation (ValidatePodStatusUpdate's rules that matter here): a known phase,
// no way back from a terminal phase, unique conditions with True/False/Unknown, container
// statuses only for containers of the spec with non-negative restart counts, valid IPs and
// node name. Any client's status write passes it; the gateway runs it on every board report.

import { isIP } from 'node:net';
import type { ContainerStatus, PodSpec, PodStatus, StatusCause } from '../../../shared/api/types.js';
import { isDns1123Subdomain } from '../../../shared/api/validation.js';
import { cause, notSupported } from '../meta.js';

export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
const TERMINAL = ['Succeeded', 'Failed'];
const CONDITION_STATUSES = ['True', 'False', 'Unknown'];

function checkContainerStatuses(
  field: string,
  list: ContainerStatus[] | undefined,
  names: Set<string>,
): StatusCause[] {
  const out: StatusCause[] = [];
  const seen = new Set<string>();
  (list ?? []).forEach((c, i) => {
    const f = `${field}[${i}]`;
    if (!names.has(c.name))
      out.push(
        cause(`${f}.name`, `Not found: "${c.name}": no such container in the spec`, 'FieldValueNotFound'),
      );
    if (seen.has(c.name)) out.push(cause(`${f}.name`, `Duplicate value: "${c.name}"`, 'FieldValueDuplicate'));
    seen.add(c.name);
    if (c.restartCount !== undefined && !(Number.isInteger(c.restartCount) && c.restartCount >= 0))
      out.push(
        cause(`${f}.restartCount`, `Invalid value: ${c.restartCount}: must be a non-negative integer`),
      );
  });
  return out;
}

export function validatePodStatus(
  status: PodStatus | undefined,
  spec: PodSpec | undefined,
  old?: PodStatus,
): StatusCause[] {
  if (!status) return [];
  const out: StatusCause[] = [];
  if (status.phase !== undefined && !POD_PHASES.includes(status.phase))
    out.push(notSupported('status.phase', status.phase, POD_PHASES));
  if (old?.phase && TERMINAL.includes(old.phase) && status.phase !== old.phase)
    out.push(
      cause(
        'status.phase',
        `Forbidden: cannot transition from terminal phase ${old.phase} to ${status.phase}`,
        'FieldValueForbidden',
      ),
    );
  const types = new Set<string>();
  (status.conditions ?? []).forEach((c, i) => {
    if (types.has(c.type))
      out.push(cause(`status.conditions[${i}].type`, `Duplicate value: "${c.type}"`, 'FieldValueDuplicate'));
    types.add(c.type);
    if (!CONDITION_STATUSES.includes(c.status))
      out.push(notSupported(`status.conditions[${i}].status`, c.status, CONDITION_STATUSES));
  });
  const names = (cs: { name: string }[] | undefined) => new Set((cs ?? []).map((c) => c.name));
  out.push(
    ...checkContainerStatuses('status.containerStatuses', status.containerStatuses, names(spec?.containers)),
  );
  out.push(
    ...checkContainerStatuses(
      'status.initContainerStatuses',
      status.initContainerStatuses,
      names(spec?.initContainers),
    ),
  );
  const ips: [string, string | undefined][] = [
    ['status.podIP', status.podIP],
    ['status.hostIP', status.hostIP],
    ...(status.podIPs ?? []).map((p, i) => [`status.podIPs[${i}].ip`, p.ip] as [string, string]),
  ];
  for (const [f, ip] of ips)
    if (ip !== undefined && ip !== '' && isIP(ip) === 0)
      out.push(cause(f, `Invalid value: "${ip}": must be a valid IP address`));
  if (status.nominatedNodeName)
    for (const m of isDns1123Subdomain(status.nominatedNodeName))
      out.push(cause('status.nominatedNodeName', `Invalid value: "${status.nominatedNodeName}": ${m}`));
  return out;
}
