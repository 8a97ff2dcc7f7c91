// A Service's claims: its ClusterIP (allocated at random from the service CIDR when not given,
// as upstream's allocator) and its NodePorts (random in the range when not given). A taken
// address or port refuses the write with upstream's 422 messages; what this write claimed is
// released again when a later step fails.

import { randomInt } from 'node:crypto';
import { CLUSTER_IP_NONE, type Service } from '../../../shared/api/service.js';
import type { StatusCause } from '../../../shared/api/types.js';
import type { Store } from '../../store/store.js';
import { InvalidError } from '../errors.js';
import { cause } from '../meta.js';
import { type ClaimOwner, CLUSTER_IP_PREFIX, claimKey, NODE_PORT_PREFIX, releaseKey } from './claims.js';
import { inServiceRange, numberToIp, type ServiceRanges } from './ranges.js';

/** Random picks tried before the range counts as full. */
const RANDOM_TRIES = 32;

const ipKey = (ip: string) => `${CLUSTER_IP_PREFIX}${ip}`;
const portKey = (port: number) => `${NODE_PORT_PREFIX}${port}`;

export function usesNodePorts(s: Service): boolean {
  return s.spec.type === 'NodePort' || s.spec.type === 'LoadBalancer';
}

export function hasClusterIp(s: Service): boolean {
  const ip = s.spec.clusterIP;
  return !!ip && ip !== CLUSTER_IP_NONE && s.spec.type !== 'ExternalName';
}

function ownerOf(s: Service): ClaimOwner {
  return {
    namespace: s.metadata.namespace ?? 'default',
    name: s.metadata.name ?? '',
    uid: s.metadata.uid ?? '',
  };
}

/** Keys obj holds now. */
function heldKeys(s: Service): string[] {
  const keys = hasClusterIp(s) ? [ipKey(s.spec.clusterIP ?? '')] : [];
  if (usesNodePorts(s)) for (const p of s.spec.ports ?? []) if (p.nodePort) keys.push(portKey(p.nodePort));
  return keys;
}

/** Whether the Service named by a claim still exists with that uid and holds key. */
function holderCheck(store: Store, key: string) {
  return async (h: ClaimOwner): Promise<boolean> => {
    const kv = await store.get(`/registry/services/${h.namespace}/${h.name}`);
    if (!kv) return false;
    const s = JSON.parse(kv.value) as Service;
    return s.metadata.uid === h.uid && heldKeys(s).includes(key);
  };
}

function invalid(s: Service, causes: StatusCause[]): InvalidError {
  return new InvalidError('Service', s.metadata.name ?? '', causes);
}

/**
 * Claims svc's ClusterIP and NodePorts (allocating those not given, in place) before the
 * write. Returns the undo of what it newly claimed.
 */
export async function claimService(
  store: Store,
  ranges: ServiceRanges,
  svc: Service,
  old?: Service,
): Promise<() => Promise<void>> {
  const owner = ownerOf(svc);
  const fresh: string[] = [];
  const undo = async () => {
    for (const k of fresh) await releaseKey(store, k, owner.uid);
  };
  const claim = async (key: string) => {
    const r = await claimKey(store, key, owner, holderCheck(store, key));
    if (r === 'claimed') fresh.push(key);
    return r;
  };
  try {
    await claimClusterIp(svc, ranges, claim, old);
    await claimNodePorts(svc, ranges, claim);
  } catch (e) {
    await undo();
    throw e;
  }
  return undo;
}

type Claim = (key: string) => Promise<'claimed' | 'held' | 'taken'>;

async function claimClusterIp(svc: Service, ranges: ServiceRanges, claim: Claim, old?: Service) {
  const s = svc.spec;
  if (s.type === 'ExternalName' || s.clusterIP === CLUSTER_IP_NONE) return;
  if (old && s.clusterIP && s.clusterIP === old.spec.clusterIP) return;
  if (s.clusterIP) {
    if (!inServiceRange(ranges, s.clusterIP))
      throw invalid(svc, [
        cause(
          'spec.clusterIPs',
          `Invalid value: ["${s.clusterIP}"]: failed to allocate IP ${s.clusterIP}: the provided IP (${s.clusterIP}) is not in the valid range. The range of valid IPs is ${ranges.cidr}`,
        ),
      ]);
    if ((await claim(ipKey(s.clusterIP))) === 'taken')
      throw invalid(svc, [
        cause(
          'spec.clusterIPs',
          `Invalid value: ["${s.clusterIP}"]: failed to allocate IP ${s.clusterIP}: provided IP is already allocated`,
        ),
      ]);
    s.clusterIPs = [s.clusterIP];
    return;
  }
  for (let i = 0; i < RANDOM_TRIES; i++) {
    const ip = numberToIp(randomInt(ranges.firstIp, ranges.lastIp + 1));
    if ((await claim(ipKey(ip))) !== 'taken') {
      s.clusterIP = ip;
      s.clusterIPs = [ip];
      return;
    }
  }
  throw invalid(svc, [
    cause(
      'spec.clusterIPs',
      `Internal error: failed to allocate a serviceIP: range is full`,
      'FieldValueInvalid',
    ),
  ]);
}

async function claimNodePorts(svc: Service, ranges: ServiceRanges, claim: Claim) {
  if (!usesNodePorts(svc)) return;
  const ports = svc.spec.ports ?? [];
  for (const [i, p] of ports.entries()) {
    const field = `spec.ports[${i}].nodePort`;
    if (p.nodePort) {
      if (p.nodePort < ranges.nodePortMin || p.nodePort > ranges.nodePortMax)
        throw invalid(svc, [
          cause(
            field,
            `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${ranges.nodePortMin}-${ranges.nodePortMax}`,
          ),
        ]);
      // The same nodePort twice in one Service (upstream allows it for TCP and UDP of one port).
      if (ports.slice(0, i).some((q) => q.nodePort === p.nodePort)) continue;
      if ((await claim(portKey(p.nodePort))) === 'taken')
        throw invalid(svc, [
          cause(field, `Invalid value: ${p.nodePort}: provided port is already allocated`),
        ]);
      continue;
    }
    let got = false;
    for (let t = 0; t < RANDOM_TRIES && !got; t++) {
      const port = randomInt(ranges.nodePortMin, ranges.nodePortMax + 1);
      if (ports.some((q) => q.nodePort === port)) continue;
      if ((await claim(portKey(port))) !== 'taken') {
        p.nodePort = port;
        got = true;
      }
    }
    if (!got)
      throw invalid(svc, [cause(field, 'Internal error: failed to allocate a nodePort: range is full')]);
  }
}

/** Releases what svc held and next (its updated form) no longer holds; all of it without next. */
export async function releaseService(store: Store, svc: Service, next?: Service): Promise<void> {
  const keep = new Set(next ? heldKeys(next) : []);
  for (const k of heldKeys(svc)) if (!keep.has(k)) await releaseKey(store, k, svc.metadata.uid ?? '');
}
