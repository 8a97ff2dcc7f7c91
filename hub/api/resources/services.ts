// core/v1 Service: defaults (type ClusterIP, TCP, targetPort = port), validation
// (service-validation.ts), ClusterIP and NodePort claims (../allocation/), kubectl's columns.
// Its endpoints are hub/controllers/endpointslice.ts; boards serve it through agent/proxy/.

import { CLUSTER_IP_NONE, type Service } from '../../../shared/api/service.js';
import { claimService, releaseService, usesNodePorts } from '../allocation/service-claims.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { any, arr, bool, int, intOrStr, kindSchema, obj, str, strArr, strMap } from '../schema.js';
import { age, ageColumn, col, nameColumn } from '../table.js';
import { validateService } from './service-validation.js';

const serviceSchema = kindSchema({
  spec: obj({
    type: str,
    selector: strMap,
    ports: arr(
      obj({ name: str, protocol: str, appProtocol: str, port: int, targetPort: intOrStr, nodePort: int }),
    ),
    clusterIP: str,
    clusterIPs: strArr,
    ipFamilies: strArr,
    ipFamilyPolicy: str,
    sessionAffinity: str,
    sessionAffinityConfig: any,
    externalTrafficPolicy: str,
    internalTrafficPolicy: str,
    externalIPs: strArr,
    externalName: str,
    publishNotReadyAddresses: bool,
    allocateLoadBalancerNodePorts: bool,
    loadBalancerIP: str,
    loadBalancerSourceRanges: strArr,
    healthCheckNodePort: int,
    trafficDistribution: str,
  }),
  status: obj({ loadBalancer: any, conditions: any }),
});

/** kubectl's PORT(S) cell: `80/TCP`, `80:30080/TCP`, comma separated. */
export function portsCell(svc: Service): string {
  const ps = svc.spec.ports ?? [];
  if (ps.length === 0) return '<none>';
  return ps.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

export const services: ResourceDef<Service> = {
  group: '',
  version: 'v1',
  resource: 'services',
  kind: 'Service',
  singular: 'service',
  shortNames: ['svc'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status'],
  schema: serviceSchema,
  defaults(svc) {
    const s = svc.spec;
    if (!s) return;
    s.type ??= 'ClusterIP';
    s.sessionAffinity ??= 'None';
    s.internalTrafficPolicy ??= 'Cluster';
    if (usesNodePorts(svc)) s.externalTrafficPolicy ??= 'Cluster';
    if (s.clusterIP !== CLUSTER_IP_NONE || s.clusterIPs?.length) {
      s.ipFamilies ??= ['IPv4'];
      s.ipFamilyPolicy ??= 'SingleStack';
    }
    if (!s.clusterIP && s.clusterIPs?.length) s.clusterIP = s.clusterIPs[0];
    for (const p of s.ports ?? []) {
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
      if (p.nodePort === 0) delete p.nodePort;
    }
  },
  prepareCreate(svc) {
    svc.status = { loadBalancer: {} };
  },
  // A PUT that omits the allocated ClusterIP or NodePorts keeps them (upstream's update strategy).
  prepareUpdate(svc, old) {
    const s = svc.spec;
    if (!s) return;
    if (!s.clusterIP && old.spec.clusterIP) {
      s.clusterIP = old.spec.clusterIP;
      // A copy: old may be the watchers' shared object, and svc goes back to the caller.
      s.clusterIPs = old.spec.clusterIPs && [...old.spec.clusterIPs];
    }
    if (!usesNodePorts(svc) || !usesNodePorts(old)) return;
    for (const p of s.ports ?? []) {
      if (p.nodePort) continue;
      const was = (old.spec.ports ?? []).find((q) => q.port === p.port && q.protocol === p.protocol);
      if (was?.nodePort) p.nodePort = was.nodePort;
    }
  },
  validate: (svc, old) => validateService(svc, old),
  claim: (core, svc, old) => claimService(core.store, core.serviceRanges, svc, old),
  release: (core, svc, next) => releaseService(core.store, svc, next),
  table: {
    columns: [
      nameColumn,
      col('Type', 'string', 'The type of the service.'),
      col('Cluster-IP', 'string', 'The cluster IP of the service.'),
      col('External-IP', 'string', 'The external IPs of the service.'),
      col('Port(s)', 'string', 'The ports of the service.'),
      ageColumn,
      col('Selector', 'string', 'The selector of the service.', 1),
    ],
    cells: (svc, now) => [
      svc.metadata.name,
      svc.spec.type ?? 'ClusterIP',
      svc.spec.clusterIP ?? '<none>',
      svc.spec.externalIPs?.join(',') || '<none>',
      portsCell(svc),
      age(svc.metadata.creationTimestamp, now),
      Object.entries(svc.spec.selector ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '<none>',
    ],
  },
};
