// The EndpointSlices a Service should have, from its pods (pure; upstream
// pkg/controller/endpointslice reconciler): one group per set of resolved ports (a named
// targetPort may resolve differently per pod), at most 100 endpoints a slice. Endpoint
// conditions as upstream: ready = the pod is Ready and not terminating (or the Service
// publishes not-ready addresses), serving = the pod is Ready, terminating = being deleted.

import { createHash } from 'node:crypto';
import {
  CLUSTER_IP_NONE,
  type Endpoint,
  type EndpointPort,
  MANAGED_BY_CONTROLLER,
  MANAGED_BY_LABEL,
  MAX_ENDPOINTS_PER_SLICE,
  SERVICE_NAME_LABEL,
  type Service,
  type ServicePort,
} from '../../../shared/api/service.js';
import type { Pod } from '../../../shared/api/types.js';
import { isPodReady } from '../active-pods.js';

/** Label upstream puts on the slices of a headless Service. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export interface DesiredSlice {
  name: string;
  labels: Record<string, string>;
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

/** The container port a Service port reaches on pod, or undefined when a named port is missing. */
export function resolvePort(p: ServicePort, pod: Pod): number | undefined {
  const t = p.targetPort ?? p.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  for (const c of pod.spec.containers)
    for (const cp of c.ports ?? [])
      if (cp.name === t && (cp.protocol ?? 'TCP') === (p.protocol ?? 'TCP')) return cp.containerPort;
  return undefined;
}

/** Whether pod may back an endpoint at all: it has an address and has not ended. */
function endpointPod(pod: Pod): boolean {
  const ph = pod.status?.phase;
  return !!pod.status?.podIP && !!pod.spec.nodeName && ph !== 'Succeeded' && ph !== 'Failed';
}

function endpointOf(svc: Service, pod: Pod): Endpoint {
  const ready = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  return {
    addresses: [pod.status?.podIP ?? ''],
    conditions: {
      ready: svc.spec.publishNotReadyAddresses ? true : ready && !terminating,
      serving: ready,
      terminating,
    },
    nodeName: pod.spec.nodeName,
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata.namespace,
      name: pod.metadata.name,
      uid: pod.metadata.uid,
    },
  };
}

const shortHash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 5);

/** Slice names: the Service's name (cut to fit) and a hash of the port group and chunk. */
function sliceName(svc: Service, group: string, chunk: number): string {
  return `${(svc.metadata.name ?? '').slice(0, 63 - 6)}-${shortHash(`${group}#${chunk}`)}`;
}

/** pods = the Service's selected pods (any order). Always at least one slice (maybe empty). */
export function desiredSlices(svc: Service, pods: Pod[]): DesiredSlice[] {
  const labels: Record<string, string> = {
    [SERVICE_NAME_LABEL]: svc.metadata.name ?? '',
    [MANAGED_BY_LABEL]: MANAGED_BY_CONTROLLER,
  };
  if (svc.spec.clusterIP === CLUSTER_IP_NONE) labels[HEADLESS_LABEL] = '';
  const sports = svc.spec.ports ?? [];
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: Endpoint[] }>();
  const sorted = [...pods].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const pod of sorted) {
    if (!endpointPod(pod)) continue;
    const ports: EndpointPort[] = [];
    for (const p of sports) {
      const port = resolvePort(p, pod);
      if (port !== undefined) ports.push({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port });
    }
    const key = JSON.stringify(ports);
    let g = groups.get(key);
    if (!g) {
      g = { ports, endpoints: [] };
      groups.set(key, g);
    }
    g.endpoints.push(endpointOf(svc, pod));
  }
  const out: DesiredSlice[] = [];
  for (const [key, g] of [...groups].sort(([a], [b]) => a.localeCompare(b)))
    for (let i = 0; i * MAX_ENDPOINTS_PER_SLICE < g.endpoints.length; i++)
      out.push({
        name: sliceName(svc, key, i),
        labels,
        ports: g.ports,
        endpoints: g.endpoints.slice(i * MAX_ENDPOINTS_PER_SLICE, (i + 1) * MAX_ENDPOINTS_PER_SLICE),
      });
  if (out.length === 0) {
    // No endpoints: one empty slice carries the Service's ports (upstream's placeholder).
    const ports = sports.map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP' }));
    out.push({ name: sliceName(svc, 'placeholder', 0), labels, ports, endpoints: [] });
  }
  return out;
}
