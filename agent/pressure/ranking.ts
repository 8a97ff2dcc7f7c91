// Which pod the eviction manager stops first, as the kubelet's eviction helpers rank them
// (pkg/kubelet/eviction/helpers.go): for memory, pods whose usage exceeds their requests
// first, then lower priority, then the larger usage above requests (rankMemoryPressure); for
// disk, the same with ephemeral-storage requests and disk usage (rankDiskPressureFunc); for
// PIDs, lower priority, then more processes (rankPIDPressure). A BestEffort pod requests
// nothing, so any usage exceeds it. Pure; the caller measures usage.

import type { Signal } from './thresholds.js';

export interface PodUsage {
  uid: string;
  /** The pod's spec.priority (0 when absent, as upstream's default). */
  priority: number;
  /** Memory in use, bytes (working set). */
  memory: number;
  /** Sum of the containers' memory requests, bytes. */
  memoryRequest: number;
  /** Disk in use (emptyDir volumes, logs, writable layers), bytes. */
  disk: number;
  /** Sum of the containers' ephemeral-storage requests, bytes. */
  diskRequest: number;
  /** Processes in the pod. */
  processes: number;
}

type Cmp = (a: PodUsage, b: PodUsage) => number;

/** Those above their requests first (upstream's exceedMemoryRequests / exceedDiskRequests). */
const exceeds =
  (use: (p: PodUsage) => number, req: (p: PodUsage) => number): Cmp =>
  (a, b) =>
    Number(use(b) > req(b)) - Number(use(a) > req(a));

/** Lower priority first. */
const priority: Cmp = (a, b) => a.priority - b.priority;

/** Larger usage above requests first. */
const above =
  (use: (p: PodUsage) => number, req: (p: PodUsage) => number): Cmp =>
  (a, b) =>
    use(b) - req(b) - (use(a) - req(a));

const orderedBy =
  (...cmps: Cmp[]): Cmp =>
  (a, b) => {
    for (const c of cmps) {
      const r = c(a, b);
      if (r !== 0) return r;
    }
    return 0;
  };

const mem = (p: PodUsage) => p.memory;
const memReq = (p: PodUsage) => p.memoryRequest;
const disk = (p: PodUsage) => p.disk;
const diskReq = (p: PodUsage) => p.diskRequest;

const BY_SIGNAL: Record<Signal, Cmp> = {
  'memory.available': orderedBy(exceeds(mem, memReq), priority, above(mem, memReq)),
  'nodefs.available': orderedBy(exceeds(disk, diskReq), priority, above(disk, diskReq)),
  'imagefs.available': orderedBy(exceeds(disk, diskReq), priority, above(disk, diskReq)),
  'pid.available': orderedBy(priority, (a, b) => b.processes - a.processes),
};

/** The pods in eviction order for the signal under pressure (a new array; stable on ties). */
export function rankForEviction(signal: Signal, pods: readonly PodUsage[]): PodUsage[] {
  return [...pods].sort(BY_SIGNAL[signal]);
}
