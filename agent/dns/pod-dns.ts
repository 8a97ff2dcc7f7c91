// A pod's resolv.conf (kubelet's dns.go GetPodDNS): ClusterFirst (the default) asks the cluster
// DNS with the search list `<ns>.svc.<domain> svc.<domain> <domain>` and ndots:5; Default keeps
// the board's own; None takes only spec.dnsConfig, which the other policies merge in as well.
// hostNetwork pods keep the board's resolv.conf (Docker refuses DNS settings on the host
// network), so ClusterFirstWithHostNet is not served.

import type { Pod } from '../../shared/api/types.js';

export interface PodDns {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/** Upstream's limits (kubelet validation): 3 nameservers, 32 search domains. */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;
/** ndots of ClusterFirst pods (kubelet's default). */
const CLUSTER_NDOTS = 5;

interface DnsConfig {
  nameservers?: string[];
  searches?: string[];
  options?: { name: string; value?: string }[];
}

/** The pod's DNS settings, or undefined for the runtime's default (the board's resolv.conf). */
export function podDns(pod: Pod, cluster: { nameserver?: string; domain: string }): PodDns | undefined {
  if (pod.spec.hostNetwork) return undefined;
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const cfg = ((pod.spec as { dnsConfig?: DnsConfig }).dnsConfig ?? {}) as DnsConfig;
  let base: PodDns | undefined;
  if (policy === 'None') base = { nameservers: [], searches: [], options: [] };
  else if ((policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') && cluster.nameserver) {
    const ns = pod.metadata.namespace ?? 'default';
    const d = cluster.domain;
    base = {
      nameservers: [cluster.nameserver],
      searches: [`${ns}.svc.${d}`, `svc.${d}`, d],
      options: [`ndots:${CLUSTER_NDOTS}`],
    };
  }
  const extra = cfg.nameservers?.length || cfg.searches?.length || cfg.options?.length;
  if (!base && !extra) return undefined;
  const out = base ?? { nameservers: [], searches: [], options: [] };
  const opts = new Map(out.options.map((o) => [o.split(':')[0], o] as const));
  for (const o of cfg.options ?? [])
    opts.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
  return {
    nameservers: [...new Set([...out.nameservers, ...(cfg.nameservers ?? [])])].slice(0, MAX_NAMESERVERS),
    searches: [...new Set([...out.searches, ...(cfg.searches ?? [])])].slice(0, MAX_SEARCHES),
    options: [...opts.values()],
  };
}
