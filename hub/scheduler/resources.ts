// Resource arithmetic for scheduling: a pod's requests (as kube-scheduler computes them) and a
// node's allocatable, in integer units (cpu millicores, memory bytes, pod count).

import { parseBytes, parseCpuMillis } from '../../shared/api/quantity.js';
import type { Container, Node, Pod, ResourceList } from '../../shared/api/types.js';
import type { PodInfo, Resources } from './framework.js';

/** Scoring defaults for containers without requests (k8s DefaultMilliCPURequest / DefaultMemoryRequest). */
export const DEFAULT_NON_ZERO_MILLI_CPU = 100;
export const DEFAULT_NON_ZERO_MEMORY_BYTES = 200 * 1024 * 1024;
/** Pod capacity assumed when a node does not report `pods` (kubelet's default maxPods). */
export const DEFAULT_MAX_PODS = 110;

export function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, pods: 0 };
}

// Quantities were validated by the API; a bad one here counts as absent rather than throwing
// inside a filter.
function quantity(
  list: ResourceList | undefined,
  name: string,
  parse: (q: string) => number,
): number | undefined {
  const q = list?.[name];
  if (q === undefined) return undefined;
  try {
    return parse(q);
  } catch {
    return undefined;
  }
}

/** requests, else limits (the API server defaults requests to limits in Kubernetes). */
function containerRequest(c: Container, name: string, parse: (q: string) => number): number | undefined {
  return quantity(c.resources?.requests, name, parse) ?? quantity(c.resources?.limits, name, parse);
}

function sumAndMaxInit(pod: Pod, nonZero: boolean): Resources {
  const get = (c: Container) => {
    const cpu = containerRequest(c, 'cpu', parseCpuMillis);
    const mem = containerRequest(c, 'memory', parseBytes);
    return {
      cpu: cpu ?? (nonZero ? DEFAULT_NON_ZERO_MILLI_CPU : 0),
      mem: mem ?? (nonZero ? DEFAULT_NON_ZERO_MEMORY_BYTES : 0),
    };
  };
  let cpu = 0;
  let mem = 0;
  for (const c of pod.spec.containers ?? []) {
    const r = get(c);
    cpu += r.cpu;
    mem += r.mem;
  }
  // Init containers run one at a time before the app containers: the pod needs the larger of
  // the sum of app containers and the largest init container, per resource.
  for (const c of pod.spec.initContainers ?? []) {
    const r = get(c);
    cpu = Math.max(cpu, r.cpu);
    mem = Math.max(mem, r.mem);
  }
  return { milliCpu: cpu, memory: mem, pods: 1 };
}

export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

export function createPodInfo(pod: Pod): PodInfo {
  return {
    pod,
    key: podKey(pod),
    requests: sumAndMaxInit(pod, false),
    nonZeroRequests: sumAndMaxInit(pod, true),
  };
}

export function nodeAllocatable(node: Node): Resources {
  const list = node.status?.allocatable ?? node.status?.capacity;
  return {
    milliCpu: quantity(list, 'cpu', parseCpuMillis) ?? 0,
    memory: quantity(list, 'memory', parseBytes) ?? 0,
    pods: quantity(list, 'pods', (q) => Math.floor(Number(q))) ?? DEFAULT_MAX_PODS,
  };
}
