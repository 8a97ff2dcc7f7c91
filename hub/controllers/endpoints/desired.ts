// The core/v1 Endpoints of a selector Service, from its EndpointSlices (pure). Upstream's
// endpoints controller (pkg/controller/endpoint) computes the same from the pods; Drover reads
// the slices its EndpointSlice controller already computed, so the two views cannot disagree:
// a ready endpoint is an address, a not-ready one a notReadyAddress, a terminating one is left
// out unless the Service publishes not-ready addresses; one subset per set of ports, addresses
// sorted by IP; labels are the Service's (plus the headless label); at most 1000 addresses, the
// rest cut and the object annotated over-capacity, as upstream.

import {
  type EndpointAddress,
  type EndpointSubset,
  type EndpointsPort,
  MAX_ENDPOINT_ADDRESSES,
  OVER_CAPACITY_ANNOTATION,
} from '../../../shared/api/endpoints.js';
import { CLUSTER_IP_NONE, type EndpointSlice, type Service } from '../../../shared/api/service.js';
import { HEADLESS_LABEL } from '../endpointslice/desired.js';

export interface DesiredEndpoints {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  subsets: EndpointSubset[];
}

const byIp = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip);

/** slices = the Service's controller-managed slices. */
export function desiredEndpoints(svc: Service, slices: EndpointSlice[]): DesiredEndpoints {
  const groups = new Map<string, Required<EndpointSubset>>();
  const publishNotReady = !!svc.spec.publishNotReadyAddresses;
  for (const s of [...slices].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    const ports: EndpointsPort[] = (s.ports ?? [])
      .filter((p) => p.port !== undefined)
      .map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port as number,
        protocol: p.protocol ?? 'TCP',
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      }));
    for (const e of s.endpoints ?? []) {
      const c = e.conditions ?? {};
      if (c.terminating && !publishNotReady) continue;
      const key = JSON.stringify(ports);
      let g = groups.get(key);
      if (!g) {
        g = { addresses: [], notReadyAddresses: [], ports };
        groups.set(key, g);
      }
      for (const ip of e.addresses) {
        const a: EndpointAddress = {
          ip,
          ...(e.hostname ? { hostname: e.hostname } : {}),
          ...(e.nodeName ? { nodeName: e.nodeName } : {}),
          ...(e.targetRef ? { targetRef: e.targetRef } : {}),
        };
        // A slice's ready already counts publishNotReadyAddresses (endpointslice/desired.ts).
        (c.ready !== false ? g.addresses : g.notReadyAddresses).push(a);
      }
    }
  }
  const annotations: Record<string, string> = {};
  let room = MAX_ENDPOINT_ADDRESSES;
  const subsets: EndpointSubset[] = [];
  for (const [, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const ready = g.addresses.sort(byIp).slice(0, room);
    room -= ready.length;
    const notReady = g.notReadyAddresses.sort(byIp).slice(0, room);
    room -= notReady.length;
    if (ready.length + notReady.length < g.addresses.length + g.notReadyAddresses.length)
      annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    if (ready.length + notReady.length === 0) continue;
    subsets.push({
      ...(ready.length ? { addresses: ready } : {}),
      ...(notReady.length ? { notReadyAddresses: notReady } : {}),
      ports: g.ports,
    });
  }
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  delete labels[HEADLESS_LABEL];
  if (svc.spec.clusterIP === CLUSTER_IP_NONE) labels[HEADLESS_LABEL] = '';
  return { labels, annotations, subsets };
}
