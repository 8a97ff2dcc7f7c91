// A hollow node's pod runner (in place of the agent's Docker pod manager): each desired pod is
// reported Running podStartDelayMs after it appears, with the agent's own computePodStatus. A
// pod being deleted (deletionTimestamp in the desired set) is stopped at once and reported
// terminal, as the agent does, so the hub removes the object; a pod dropped from the desired
// set (object gone) is forgotten. A pod with a container image in crashImages is reported
// crash-looping instead (restarted once, waiting in CrashLoopBackOff, not Ready).

import { Readable } from 'node:stream';
import type { PodRunner, PodRunnerIo } from '../../agent/agent.js';
import { computePodStatus } from '../../agent/pods/status.js';
import { ContainerNotRunningError, PodNotReachableError } from '../../agent/pods/errors.js';
import { LABEL_CONTAINER_ATTEMPT } from '../../agent/runtime/labels.js';
import type { ExecSession, LogStream } from '../../agent/runtime/runtime.js';
import type { Pod, PodStatus } from '../../shared/api/types.js';
import type { DesiredState } from '../../shared/protocol/messages.js';
import type { SimCounters } from './counters.js';

interface HollowPod {
  pod: Pod;
  timer?: NodeJS.Timeout;
  status?: PodStatus;
  /** Its terminal status was reported. */
  stopped?: boolean;
}

export class HollowPods implements PodRunner {
  private readonly pods = new Map<string, HollowPod>();
  private stopped = false;

  constructor(
    private readonly io: PodRunnerIo,
    private readonly startDelayMs: number,
    private readonly c: SimCounters,
    private readonly crashImages: ReadonlySet<string> = new Set(),
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
      if (have && have.pod.metadata.uid === pod.metadata.uid) {
        if (pod.metadata.deletionTimestamp && !have.stopped) this.terminate(have, pod);
        continue;
      }
      if (have) this.forget(key, have);
      if (pod.metadata.deletionTimestamp) {
        // Never started here: confirm at once that nothing runs.
        const hp: HollowPod = { pod };
        this.pods.set(key, hp);
        this.terminate(hp, pod);
        continue;
      }
      const hp: HollowPod = { pod };
      hp.timer = setTimeout(() => this.run(hp), this.startDelayMs);
      this.pods.set(key, hp);
    }
    for (const [key, hp] of this.pods) if (!wanted.has(key)) this.forget(key, hp);
  }

  private run(hp: HollowPod): void {
    hp.timer = undefined;
    if (this.stopped) return;
    const crash = hp.pod.spec.containers.some((c) => this.crashImages.has(c.image ?? ''));
    hp.status = crash
      ? crashingPodStatus(hp.pod, new Date().toISOString(), hp.status)
      : runningPodStatus(hp.pod, new Date().toISOString(), hp.status);
    this.c.podsRunning++;
    this.report(hp);
  }

  /** Stops the pod's (simulated) containers and reports the terminal status. */
  private terminate(hp: HollowPod, pod: Pod): void {
    if (hp.timer) clearTimeout(hp.timer);
    hp.timer = undefined;
    if (hp.status) this.c.podsRunning--;
    hp.pod = pod;
    hp.stopped = true;
    hp.status = stoppedPodStatus(pod, hp.status);
    this.c.podsStopped++;
    this.report(hp);
  }

  private report(hp: HollowPod): void {
    if (!hp.status) return;
    const m = hp.pod.metadata;
    this.io.report(m.namespace ?? 'default', m.name ?? '', m.uid ?? '', hp.status);
  }

  private forget(key: string, hp: HollowPod): void {
    if (hp.timer) clearTimeout(hp.timer);
    if (hp.status && !hp.stopped) this.c.podsRunning--;
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

  async exec(ns: string, name: string): Promise<ExecSession> {
    throw new ContainerNotRunningError(`hollow pod ${ns}/${name} has no containers (fleet simulator)`);
  }

  async podAddress(ns: string, name: string): Promise<string> {
    throw new PodNotReachableError(`hollow pod ${ns}/${name} has no network (fleet simulator)`);
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
  return hollowStatus(pod, previous, false, startedAt);
}

/** A pod whose containers exited 1 and wait to be restarted (restartCount 1, not Ready). */
export function crashingPodStatus(pod: Pod, at: string, previous?: PodStatus): PodStatus {
  return hollowStatus(pod, previous, false, at, true);
}

/** The terminal status the agent reports for a pod it stopped (containers exited 0). */
export function stoppedPodStatus(pod: Pod, previous?: PodStatus): PodStatus {
  return hollowStatus(pod, previous, true, new Date().toISOString());
}

function hollowStatus(
  pod: Pod,
  previous: PodStatus | undefined,
  terminal: boolean,
  at: string,
  crashed = false,
): PodStatus {
  const startedAt = previous?.startTime ?? at;
  const exited = terminal || crashed;
  return computePodStatus({
    pod,
    now: Date.now(),
    previous,
    hostIP: '10.0.0.1',
    terminal,
    containers: pod.spec.containers.map((spec, i) => ({
      spec,
      ready: !exited,
      started: !exited,
      ...(crashed
        ? { waiting: { reason: 'CrashLoopBackOff', message: 'back-off restarting failed container' } }
        : {}),
      latest: {
        id: `hollow-${pod.metadata.uid ?? pod.metadata.name}-${i}`,
        name: spec.name,
        labels: (crashed ? { [LABEL_CONTAINER_ATTEMPT]: '1' } : {}) as Record<string, string>,
        state: exited ? 'exited' : 'running',
        exitCode: crashed ? 1 : 0,
        startedAt,
        ...(exited ? { finishedAt: at } : {}),
        createdAt: startedAt,
        image: spec.image ?? '',
        imageID: `sha256:hollow-${spec.image ?? ''}`,
        oomKilled: false,
      },
    })),
  });
}
