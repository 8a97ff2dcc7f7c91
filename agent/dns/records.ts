// Service names from the hub's Service table, as CoreDNS's kubernetes plugin answers them:
// `<svc>.<ns>.svc.<domain>` is the ClusterIP, or a headless Service's Ready endpoint addresses;
// other names under the cluster domain do not exist (NXDOMAIN), except the zones themselves
// (`svc.<domain>`, `<ns>.svc.<domain>`: no records); names outside it are forwarded.

import type { ServiceTable } from '../../shared/protocol/messages.js';

export type Resolution =
  | { kind: 'records'; addresses: string[] }
  | { kind: 'nxdomain' }
  | { kind: 'outside' };

export class ServiceRecords {
  /** `<svc>.<ns>` -> addresses. */
  private byName = new Map<string, string[]>();
  private namespaces = new Set<string>();

  constructor(private readonly domain: string) {}

  /** The whole table (level-based, as the proxy takes it). */
  apply(table: ServiceTable): void {
    const byName = new Map<string, string[]>();
    const namespaces = new Set<string>();
    for (const s of table.services) {
      const addrs = s.clusterIP ? [s.clusterIP] : s.endpoints.filter((e) => e.ready).map((e) => e.ip);
      const key = `${s.name}.${s.namespace}`.toLowerCase();
      namespaces.add(s.namespace.toLowerCase());
      // A headless Service without Ready endpoints has no records (NXDOMAIN), as CoreDNS.
      if (addrs.length) byName.set(key, [...new Set(addrs)].sort());
    }
    this.byName = byName;
    this.namespaces = namespaces;
  }

  resolve(name: string): Resolution {
    const n = name.toLowerCase().replace(/\.$/, '');
    const d = this.domain;
    if (n !== d && !n.endsWith(`.${d}`)) return { kind: 'outside' };
    const rest = n === d ? [] : n.slice(0, -(d.length + 1)).split('.');
    if (rest.length === 0 || (rest.length === 1 && rest[0] === 'svc'))
      return { kind: 'records', addresses: [] };
    if (rest.length === 2 && rest[1] === 'svc' && this.namespaces.has(rest[0]))
      return { kind: 'records', addresses: [] };
    if (rest.length === 3 && rest[2] === 'svc') {
      const a = this.byName.get(`${rest[0]}.${rest[1]}`);
      if (a) return { kind: 'records', addresses: a };
    }
    return { kind: 'nxdomain' };
  }
}
