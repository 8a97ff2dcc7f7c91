// Resource arithmetic for scheduling: a pod's requests (as kube-scheduler computes them) and a
// node's allocatable, in integer units (cpu millicores, memory bytes, pod count).

import { parseBytes, parseCpuMillis, parseQuantity } from '../../shared/api/quantity.js';
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

/** Parsed quantity strings kept per parser; bounded (cleared when full), as fleets use few distinct values. */
export const QUANTITY_CACHE_MAX_ENTRIES = 4096;

/**
 * Memoizes a pure quantity parser: every pod placed and every pod scheduled parses its
 * requests, nearly always the same few strings (`100m`, `500Mi`). A bad quantity is cached as
 * undefined (absent).
 */
function memoized(parse: (q: string) => number): (q: string) => number | undefined {
  const cache = new Map<string, number | undefined>();
  return (q) => {
    const hit = cache.get(q);
    if (hit !== undefined || cache.has(q)) return hit;
    let v: number | undefined;
    try {
      v = parse(q);
    } catch {
      v = undefined;
    }
    if (cache.size >= QUANTITY_CACHE_MAX_ENTRIES) cache.clear();
    cache.set(q, v);
    return v;
  };
}

const cpuMillis = memoized(parseCpuMillis);
const bytes = memoized(parseBytes);
const count = memoized((q) => Math.floor(parseQuantity(q)));

// Quantities were validated by the API; a bad one here counts as absent rather than throwing
// inside a filter.
function quantity(
  list: ResourceList | undefined,
  name: string,
  parse: (q: string) => number | undefined,
): number | undefined {
  const q = list?.[name];
  if (q === undefined) return undefined;
  // The API types say string; a number slipped through a client is read as its string form.
  return parse(String(q));
}

/** requests, else limits (the API server defaults requests to limits in Kubernetes). */
function containerRequest(
  c: Container,
  name: string,
  parse: (q: string) => number | undefined,
): number | undefined {
  return quantity(c.resources?.requests, name, parse) ?? quantity(c.resources?.limits, name, parse);
}

type PodRequests = { readonly requests: Resources; readonly nonZeroRequests: Resources };

/**
 * Requests per containers list, for pods without init containers: the informers keep one
 * instance of a workload's containers for all its pods (shared/intern.ts SHARED_PARTS), so its
 * pods' PodInfos share their two Resources (frozen: nobody adds to a pod's requests) instead
 * of two objects per pod placed.
 */
const requestsOfContainers = new WeakMap<readonly Container[], PodRequests>();

/** Requests (0 when unset) and non-zero requests (scoring defaults when unset). */
function podRequests(pod: Pod): PodRequests {
  const containers = pod.spec.containers;
  if (pod.spec.initContainers?.length || !Array.isArray(containers)) return computeRequests(pod);
  let r = requestsOfContainers.get(containers);
  if (!r) {
    const c = computeRequests(pod);
    r = { requests: Object.freeze(c.requests), nonZeroRequests: Object.freeze(c.nonZeroRequests) };
    requestsOfContainers.set(containers, r);
  }
  return r;
}

/** podRequests in one pass over the containers. */
function computeRequests(pod: Pod): PodRequests {
  let cpu = 0;
  let mem = 0;
  let nzCpu = 0;
  let nzMem = 0;
  for (const c of pod.spec.containers ?? []) {
    const rc = containerRequest(c, 'cpu', cpuMillis);
    const rm = containerRequest(c, 'memory', bytes);
    cpu += rc ?? 0;
    mem += rm ?? 0;
    nzCpu += rc ?? DEFAULT_NON_ZERO_MILLI_CPU;
    nzMem += rm ?? DEFAULT_NON_ZERO_MEMORY_BYTES;
  }
  // Init containers run one at a time before the app containers: the pod needs the larger of
  // the sum of app containers and the largest init container, per resource.
  for (const c of pod.spec.initContainers ?? []) {
    const rc = containerRequest(c, 'cpu', cpuMillis);
    const rm = containerRequest(c, 'memory', bytes);
    cpu = Math.max(cpu, rc ?? 0);
    mem = Math.max(mem, rm ?? 0);
    nzCpu = Math.max(nzCpu, rc ?? DEFAULT_NON_ZERO_MILLI_CPU);
    nzMem = Math.max(nzMem, rm ?? DEFAULT_NON_ZERO_MEMORY_BYTES);
  }
  return {
    requests: { milliCpu: cpu, memory: mem, pods: 1 },
    nonZeroRequests: { milliCpu: nzCpu, memory: nzMem, pods: 1 },
  };
}

export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

export function createPodInfo(pod: Pod): PodInfo {
  const { requests, nonZeroRequests } = podRequests(pod);
  return { pod, key: podKey(pod), requests, nonZeroRequests };
}

export function nodeAllocatable(node: Node): Resources {
  const list = node.status?.allocatable ?? node.status?.capacity;
  return {
    milliCpu: quantity(list, 'cpu', cpuMillis) ?? 0,
    memory: quantity(list, 'memory', bytes) ?? 0,
    pods: quantity(list, 'pods', count) ?? DEFAULT_MAX_PODS,
  };
}
