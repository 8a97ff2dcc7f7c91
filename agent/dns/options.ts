// The DNS role's options and defaults (with units), in one place.

/**
 * The address pods are told to ask (kubelet --cluster-dns): link-local, as NodeLocal DNSCache
 * uses 169.254.20.10, so it is the same on every board and never a ClusterIP.
 */
export const DEFAULT_CLUSTER_DNS = '169.254.20.10';
/** kubelet --cluster-domain. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export interface DnsOptions {
  /** Where the responder listens (put on the proxy's dummy interface when not local). */
  address: string;
  port: number;
  domain: string;
  /** Resolvers names outside the domain go to; none: such queries are REFUSED. */
  upstreams: string[];
  /** Their port (53; tests use another). */
  upstreamPort: number;
  /** How long a forwarded query may take before the pod gets SERVFAIL, ms. */
  forwardTimeoutMs: number;
  /** TTL of Service records, s (CoreDNS's kubernetes plugin: 5 s). */
  ttlSeconds: number;
  /** Forwarded queries in flight at once; more are answered SERVFAIL at once. */
  maxInFlight: number;
}

export const DNS_DEFAULTS = {
  port: 53,
  upstreamPort: 53,
  domain: DEFAULT_CLUSTER_DOMAIN,
  forwardTimeoutMs: 2000, // 2 s
  ttlSeconds: 5, // s
  maxInFlight: 256, // queries
} as const;

/** Nameservers of the board's resolv.conf (the agent forwards from the host, so loopback ones work), without the cluster DNS itself. */
export function upstreamsFrom(resolvConf: string, clusterDns: string): string[] {
  const out: string[] = [];
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
    if (m && m[1] !== clusterDns) out.push(m[1]);
  }
  return out;
}
