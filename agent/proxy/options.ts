// The proxy role's options and defaults (with units), in one place.

import { PROXY_RELAY_PORT } from '../../shared/protocol/constants.js';

export interface ProxyOptions {
  /** This board's node name: endpoints on it are local. */
  nodeName: string;
  /** Where NodePorts listen; every address when unset (kube-proxy --nodeport-addresses). */
  nodeIp?: string;
  /**
   * Where the relay listens: the address other boards know this one by (its InternalIP), so two
   * agents on one machine with different addresses do not collide on the relay port.
   */
  relayHost: string;
  /** Relay port of this board and of every other board. */
  relayPort: number;
  /** A backend that does not accept within this long is skipped for the next one, ms. */
  connectTimeoutMs: number;
  /** A relay client must send its request line within this long, ms. */
  relayHeaderTimeoutMs: number;
  /** Backends tried for one connection before it is refused (the first and one retry, ...). */
  maxAttempts: number;
  /**
   * Make ClusterIPs local addresses on a dummy interface when they are not (needs CAP_NET_ADMIN
   * and iproute2); off, a ClusterIP is served only where it is already local.
   */
  manageClusterIps: boolean;
  /** The dummy interface ClusterIPs go on (as kube-proxy's IPVS mode uses kube-ipvs0). */
  clusterIpInterface: string;
  /** File that keeps the ClusterIPs added, so the next run removes those no longer needed. */
  clusterIpStateFile?: string;
}

export const PROXY_DEFAULTS = {
  relayPort: PROXY_RELAY_PORT, // 10263
  connectTimeoutMs: 2000, // 2 s
  relayHeaderTimeoutMs: 5000, // 5 s
  maxAttempts: 3, // backends per connection
  manageClusterIps: process.platform === 'linux' && process.getuid?.() === 0,
  clusterIpInterface: 'drover-svc',
} as const;

export function proxyOptions(
  o: Pick<ProxyOptions, 'nodeName' | 'nodeIp' | 'relayHost'> & Partial<ProxyOptions>,
): ProxyOptions {
  return { ...PROXY_DEFAULTS, ...o };
}
