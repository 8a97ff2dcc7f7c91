// Resource usage for the metrics API (metrics-server's role, done by the agent): every interval,
// one list of the node's running containers and one one-shot stats call per container; CPU is
// the rate between this sample and the previous one of the same container (so one call per
// container per interval, no waiting inside the daemon); memory is the working set. The node's
// own CPU comes from the kernel's tick counters, its memory as `free` counts it.

import { cpus } from 'node:os';
import type { ContainerUsage, MetricsReport, PodUsage } from '../../shared/protocol/messages.js';
import {
  LABEL_CONTAINER_NAME,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  SANDBOX_CONTAINER,
} from '../runtime/labels.js';
import type { Runtime } from '../runtime/runtime.js';
import { busyPercent, sampleMemoryBytes, type Ticks, ticks } from '../usage.js';

interface Previous {
  cpuTotalNs: number;
  at: number;
}

export class UsageSampler {
  private readonly previous = new Map<string, Previous>();
  private lastTicks: Ticks | undefined = ticks();
  private lastAt = Date.now();

  constructor(
    private readonly runtime: Runtime,
    private readonly nodeName: string,
  ) {}

  /** One report; containers seen for the first time count from the next sample on. */
  async sample(): Promise<Omit<MetricsReport, 'v'>> {
    const now = Date.now();
    const list = await this.runtime.listContainerSummaries({ [LABEL_NODE]: this.nodeName });
    const pods = new Map<string, PodUsage>();
    const seen = new Set<string>();
    for (const c of list) {
      if (c.state !== 'running' || c.labels[LABEL_CONTAINER_NAME] === SANDBOX_CONTAINER) continue;
      let st: Awaited<ReturnType<Runtime['containerStats']>>;
      try {
        st = await this.runtime.containerStats(c.id);
      } catch {
        continue; // gone between the list and the stats call
      }
      seen.add(c.id);
      const prev = this.previous.get(c.id);
      this.previous.set(c.id, { cpuTotalNs: st.cpuTotalNs, at: now });
      if (!prev || now <= prev.at) continue;
      const usage: ContainerUsage = {
        name: c.labels[LABEL_CONTAINER_NAME] ?? '',
        cpuNanoCores: Math.round((Math.max(0, st.cpuTotalNs - prev.cpuTotalNs) * 1000) / (now - prev.at)),
        memoryBytes: st.memoryBytes,
      };
      const uid = c.labels[LABEL_POD_UID] ?? '';
      const pod = pods.get(uid) ?? {
        namespace: c.labels[LABEL_POD_NAMESPACE] ?? '',
        name: c.labels[LABEL_POD_NAME] ?? '',
        uid,
        containers: [],
      };
      pod.containers.push(usage);
      pods.set(uid, pod);
    }
    for (const id of this.previous.keys()) if (!seen.has(id)) this.previous.delete(id);
    const t = ticks();
    const busy = t && this.lastTicks ? (busyPercent(this.lastTicks, t) ?? 0) : 0;
    if (t) this.lastTicks = t;
    const windowSeconds = Math.max(1, Math.round((now - this.lastAt) / 1000));
    this.lastAt = now;
    const mem = await sampleMemoryBytes();
    return {
      timestamp: new Date(now).toISOString(),
      windowSeconds,
      node: { cpuNanoCores: Math.round((busy / 100) * cpus().length * 1e9), memoryBytes: mem },
      pods: [...pods.values()],
    };
  }
}
