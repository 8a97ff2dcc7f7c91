// A hollow node's pod runner (in place of the agent's Docker pod manager): each desired pod is
// reported Running podStartDelayMs after it appears, with the agent's own computePodStatus.

import { Readable } from 'node:stream';
import type { PodRunner, PodRunnerIo } from '../../agent/agent.js';
import { computePodStatus } from '../../agent/pods/status.js';
import type { LogStream } from '../../agent/runtime/runtime.js';
import type { Pod, PodStatus } from '../../shared/api/types.js';
import type { DesiredState } from '../../shared/protocol/messages.js';
import type { SimCounters } from './counters.js';

interface HollowPod {
  pod: Pod;
  timer?: NodeJS.Timeout;
  status?: PodStatus;
}

export class HollowPods implements PodRunner {
  private readonly pods = new Map<string, HollowPod>();
  private stopped = false;

  constructor(
    private readonly io: PodRunnerIo,
    private readonly startDelayMs: number,
    private readonly c: SimCounters,
  ) {}

  async start(): Promise<void> {}

  /** The agent's DesiredStore already dropped older revisions. */
  setDesired(s: Pick<DesiredState, 'pods'>): void {
    if (this.stopped) return;
    this.c.desiredReceived++;
    const wanted = new Set<string>();
    for (const pod of s.pods) {
      const key = podKey(pod);
      wanted.add(key);
      const have = this.pods.get(key);
      if (have && have.pod.metadata.uid === pod.metadata.uid) continue;
      if (have) this.forget(key, have);
      const hp: HollowPod = { pod };
      hp.timer = setTimeout(() => this.run(hp), this.startDelayMs);
      this.pods.set(key, hp);
    }
    for (const [key, hp] of this.pods) if (!wanted.has(key)) this.forget(key, hp);
  }

  private run(hp: HollowPod): void {
    hp.timer = undefined;
    if (this.stopped) return;
    hp.status = runningPodStatus(hp.pod, new Date().toISOString(), hp.status);
    this.c.podsRunning++;
    this.report(hp);
  }

  private report(hp: HollowPod): void {
    if (!hp.status) return;
    const m = hp.pod.metadata;
    this.io.report(m.namespace ?? 'default', m.name ?? '', m.uid ?? '', hp.status);
  }

  private forget(key: string, hp: HollowPod): void {
    if (hp.timer) clearTimeout(hp.timer);
    if (hp.status) this.c.podsRunning--;
    this.pods.delete(key);
  }

  resendAll(): void {
    for (const hp of this.pods.values()) this.report(hp);
  }

  /** Revisions are the DesiredStore's business here: nothing to forget. */
  forgetRevision(): void {}

  async logs(ns: string, name: string): Promise<LogStream> {
    return {
      stream: Readable.from([`hollow pod ${ns}/${name}: no containers (fleet simulator)\n`]),
      stop() {},
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const hp of this.pods.values()) if (hp.timer) clearTimeout(hp.timer);
  }
}

function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

/** A pod's status once its (simulated) containers run: the agent's own computePodStatus. */
export function runningPodStatus(pod: Pod, startedAt: string, previous?: PodStatus): PodStatus {
  return computePodStatus({
    pod,
    now: Date.now(),
    previous,
    hostIP: '10.0.0.1',
    containers: pod.spec.containers.map((spec, i) => ({
      spec,
      ready: true,
      started: true,
      latest: {
        id: `hollow-${pod.metadata.uid ?? pod.metadata.name}-${i}`,
        name: spec.name,
        labels: {},
        state: 'running',
        exitCode: 0,
        startedAt,
        createdAt: startedAt,
        image: spec.image ?? '',
        imageID: `sha256:hollow-${spec.image ?? ''}`,
        oomKilled: false,
      },
    })),
  });
}
