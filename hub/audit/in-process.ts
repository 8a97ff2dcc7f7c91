// What the audit log records of the hub's own components (controllers, gateway, scheduler), which
// call the API in-process rather than over HTTPS: each request under the component's own user,
// as kube-apiserver audits kube-controller-manager's and the scheduler's requests. Policy (as an
// audit Policy's rules, fixed here):
// - every refusal (401/403/4xx/5xx) is recorded: a controller missing a permission shows at once;
// - every write is recorded, except successful writes of Events and node Leases: events are a
//   record already (GKE's default policy logs no events requests) and leases are board heartbeats,
//   thousands a minute in a fleet, whose history the Lease itself carries;
// - reads (get, list, watch) that succeed are not: the shared informers' lists and watches
//   would be most of the log and say nothing about who changed what.

import type { UserInfo } from '../auth/user.js';
import type { AuditEntry } from './log.js';

const READS = new Set(['get', 'list', 'watch']);
const QUIET_WRITES = new Set(['events', 'leases']);

export function auditedInProcess(verb: string, resource: string, code: number): boolean {
  if (code >= 400) return true;
  return !READS.has(verb) && !QUIET_WRITES.has(resource);
}

export function inProcessEntry(
  user: UserInfo,
  r: { verb: string; resource: string; subresource?: string; namespace?: string; name?: string },
  code: number,
): AuditEntry {
  return {
    ts: new Date().toISOString(),
    user: user.name,
    groups: user.groups,
    verb: r.verb,
    resource: r.resource,
    ...(r.subresource ? { subresource: r.subresource } : {}),
    ...(r.namespace ? { namespace: r.namespace } : {}),
    ...(r.name ? { name: r.name } : {}),
    code,
    userAgent: 'in-process',
  };
}
