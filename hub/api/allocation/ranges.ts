// The ranges Services draw from: the service CIDR for ClusterIPs and the NodePort range
// (kube-apiserver --service-cluster-ip-range and --service-node-port-range), parsed and
// validated in one place. IPv4 only.

import { isIP } from 'node:net';

/** kube-apiserver's default service CIDR. */
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
/** kube-apiserver's default NodePort range, inclusive. */
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

export class ServiceRangeError extends Error {
  override name = 'ServiceRangeError';
}

export interface ServiceRanges {
  cidr: string;
  /** First and last usable address as 32-bit numbers (network and broadcast excluded). */
  firstIp: number;
  lastIp: number;
  nodePortMin: number;
  nodePortMax: number;
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function parseServiceRanges(
  cidr = DEFAULT_SERVICE_CIDR,
  nodePorts = DEFAULT_NODE_PORT_RANGE,
): ServiceRanges {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || isIP(m[1]) !== 4)
    throw new ServiceRangeError(`service CIDR "${cidr}": expected an IPv4 a.b.c.d/N`);
  const bits = Number(m[2]);
  // Upstream refuses ranges with fewer than 8 addresses (a /29); and a /8 is plenty.
  if (bits < 8 || bits > 29)
    throw new ServiceRangeError(`service CIDR "${cidr}": the prefix must be between /8 and /29`);
  const size = 2 ** (32 - bits);
  const base = ipToNumber(m[1]) - (ipToNumber(m[1]) % size);
  const p = /^(\d{1,5})-(\d{1,5})$/.exec(nodePorts);
  const min = Number(p?.[1]);
  const max = Number(p?.[2]);
  if (!p || min < 1 || max > 65535 || min > max)
    throw new ServiceRangeError(`node port range "${nodePorts}": expected MIN-MAX within 1-65535`);
  return {
    cidr: `${numberToIp(base)}/${bits}`,
    firstIp: base + 1,
    lastIp: base + size - 2,
    nodePortMin: min,
    nodePortMax: max,
  };
}

export function inServiceRange(r: ServiceRanges, ip: string): boolean {
  if (isIP(ip) !== 4) return false;
  const n = ipToNumber(ip);
  return n >= r.firstIp && n <= r.lastIp;
}
