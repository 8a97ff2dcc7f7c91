// The agent's eviction manager (kubelet's pkg/kubelet/eviction): every monitoring interval it
// observes the signals, and when a hard threshold is met (or a soft one past its grace period)
// it first reclaims node resources (unused images, for disk signals), observes again, and only
// if the threshold is still met evicts one pod, ranked as the kubelet does (ranking.ts), with
// phase Failed, reason Evicted and upstream's message. One pod per round, so the next round
// sees what the eviction freed. Hard evictions stop at once; soft ones use the pod's grace.

import type { Pod } from '../../shared/api/types.js';
import { parseBytes } from '../../shared/api/quantity.js';
import type { Logger } from '../../shared/log.js';
import { EvictionSignals } from './eviction-signals.js';
import type { MetThreshold } from './monitor.js';
import { type PodUsage, rankForEviction } from './ranking.js';
import type { Observations } from './signals.js';
import { type Signal, type Threshold, thresholdAmount } from './thresholds.js';

/** kubelet's eviction monitoring period (its housekeeping interval), ms. */
export const DEFAULT_EVICTION_MONITORING_MS = 10_000;

/** A pod the manager may evict, with what it needs to measure it. */
export interface EvictionCandidate {
  pod: Pod;
  /** Running containers: id and container name. */
  containers: { id: string; name: string }[];
  /** The pod's directory on the node (emptyDir volumes live there). */
  dir: string;
}

export interface EvictionManagerOptions {
  /** Hard thresholds and soft ones (with gracePeriodMs). */
  thresholds: Threshold[];
  observe(): Promise<Observations>;
  /**
   * Told of each round's observations (the node's pressure conditions come from them too, as
   * kubelet's from its eviction manager: a pod evicted within a second still leaves the
   * condition True for the transition period, whatever the status report's own sampling saw).
   */
  observed?(obs: Observations, now: number): void;
  candidates(): EvictionCandidate[];
  containerMemory(id: string): Promise<number>;
  dirUsage(path: string): Promise<number>;
  evict(uid: string, message: string, graceSeconds: number | undefined): Promise<void>;
  /**
   * Frees unused images (DiskPressure's node-level reclaim) when they share the starved
   * filesystem; bytes freed. As upstream, nodefs pressure reclaims images only when the
   * images are on nodefs (no dedicated imagefs).
   */
  reclaimImages?(signal: Signal): Promise<number>;
  log: Logger;
  clock?: () => number;
  intervalMs?: number;
}

/** The resource a signal starves, in upstream's eviction message. */
const RESOURCE: Record<Signal, string> = {
  'memory.available': 'memory',
  'nodefs.available': 'ephemeral-storage',
  'imagefs.available': 'ephemeral-storage',
  'pid.available': 'pids',
};

/** Memory before disk before PIDs (kubelet's byEvictionPriority puts memory first). */
const ORDER: Signal[] = ['memory.available', 'nodefs.available', 'imagefs.available', 'pid.available'];
const isDisk = (s: Signal) => s === 'nodefs.available' || s === 'imagefs.available';

/** A quantity as Kubernetes prints bytes (Ki), or a count for PIDs. */
function quantity(signal: Signal, n: number): string {
  return signal === 'pid.available' ? String(Math.round(n)) : `${Math.round(n / 1024)}Ki`;
}

function sumRequests(pod: Pod, resource: 'memory' | 'ephemeral-storage'): number {
  let sum = 0;
  for (const c of pod.spec.containers) {
    const q = c.resources?.requests?.[resource];
    if (q !== undefined) sum += parseBytes(q);
  }
  return sum;
}

export class EvictionManager {
  private readonly signals: EvictionSignals;
  private readonly clock: () => number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly o: EvictionManagerOptions) {
    this.signals = new EvictionSignals(o.thresholds);
    this.clock = o.clock ?? Date.now;
  }

  start(): void {
    const tick = () => {
      if (this.running) return;
      this.running = this.synchronize()
        .then(() => undefined)
        .catch((e: Error) => this.o.log.warn('eviction round failed', { error: e.message }))
        .finally(() => {
          this.running = undefined;
        });
    };
    this.timer = setInterval(tick, this.o.intervalMs ?? DEFAULT_EVICTION_MONITORING_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round; returns the uid of the pod it evicted, if any. */
  async synchronize(): Promise<string | undefined> {
    const obs = await this.o.observe();
    const now = this.clock();
    this.o.observed?.(obs, now);
    const { acting } = this.signals.step(obs, now);
    if (acting.length === 0) return undefined;
    const met = [...acting].sort(
      (a, b) => ORDER.indexOf(a.threshold.signal) - ORDER.indexOf(b.threshold.signal),
    )[0];
    const signal = met.threshold.signal;
    this.o.log.warn('eviction threshold met', {
      signal,
      threshold: met.threshold.text,
      available: quantity(signal, met.available),
    });
    // Node-level reclaim first (kubelet's reclaimNodeLevelResources): images for disk.
    if (isDisk(signal) && this.o.reclaimImages) {
      const freed = await this.o.reclaimImages(signal);
      if (freed > 0 && !this.stillMet(met, await this.o.observe())) {
        this.o.log.info('node-level reclaim relieved the pressure', { signal, freed });
        return undefined;
      }
    }
    const candidates = this.o.candidates();
    if (candidates.length === 0) {
      this.o.log.warn('eviction threshold met, but no pod to evict', { signal });
      return undefined;
    }
    const usages = await Promise.all(candidates.map((c) => this.measure(c)));
    const [victim] = rankForEviction(
      signal,
      usages.map((u) => u.usage),
    );
    const chosen = usages.find((u) => u.usage.uid === victim.uid);
    if (!chosen) return undefined;
    const message = this.message(met, chosen);
    const soft = met.threshold.gracePeriodMs !== undefined;
    this.o.log.warn('evicting a pod', {
      pod: `${chosen.c.pod.metadata.namespace}/${chosen.c.pod.metadata.name}`,
      message,
    });
    // Hard: no grace (kubelet's evictPod with gracePeriodOverride 0); soft: the pod's own.
    await this.o.evict(victim.uid, message, soft ? undefined : 0);
    return victim.uid;
  }

  private stillMet(m: MetThreshold, obs: Observations): boolean {
    const o = obs[m.threshold.signal];
    return !!o && o.available < thresholdAmount(m.threshold, o.capacity);
  }

  private async measure(
    c: EvictionCandidate,
  ): Promise<{ c: EvictionCandidate; usage: PodUsage; perContainer: Map<string, number> }> {
    const perContainer = new Map<string, number>();
    for (const x of c.containers) {
      const bytes = await this.o.containerMemory(x.id).catch(() => 0);
      perContainer.set(x.name, (perContainer.get(x.name) ?? 0) + bytes);
    }
    const memory = [...perContainer.values()].reduce((a, b) => a + b, 0);
    const usage: PodUsage = {
      uid: c.pod.metadata.uid ?? '',
      priority: c.pod.spec.priority ?? 0,
      memory,
      memoryRequest: sumRequests(c.pod, 'memory'),
      disk: await this.o.dirUsage(c.dir),
      diskRequest: sumRequests(c.pod, 'ephemeral-storage'),
      // Not measured per pod yet: PID pressure ranks by priority alone.
      processes: 0,
    };
    return { c, usage, perContainer };
  }

  /** Upstream's evictionMessage: the resource, the threshold, and for memory each container's use. */
  private message(
    m: MetThreshold,
    chosen: { c: EvictionCandidate; usage: PodUsage; perContainer: Map<string, number> },
  ): string {
    const signal = m.threshold.signal;
    const resource = RESOURCE[signal];
    let msg = `The node was low on resource: ${resource}. Threshold quantity: ${quantity(signal, m.amount)}, available: ${quantity(signal, m.available)}. `;
    if (resource === 'memory') {
      for (const spec of chosen.c.pod.spec.containers) {
        const used = chosen.perContainer.get(spec.name);
        if (used === undefined) continue;
        const req = spec.resources?.requests?.memory;
        const reqBytes = req !== undefined ? parseBytes(req) : 0;
        if (used > reqBytes)
          msg += `Container ${spec.name} was using ${quantity(signal, used)}, request is ${req ?? '0'}, has larger consumption of ${resource}. `;
      }
    } else if (resource === 'ephemeral-storage') {
      const { disk, diskRequest } = chosen.usage;
      msg += `Pod ${chosen.c.pod.metadata.name} was using ${quantity(signal, disk)} of local storage, request is ${diskRequest}. `;
    }
    return msg;
  }
}
