// PodStatus from the pod's containers, probe results and waiting reasons (kubelet's
// generateAPIPodStatus + getPhase). Pure: the manager reports it when it changed.
import type {
  Container,
  ContainerState,
  ContainerStatus,
  Pod,
  PodCondition,
  PodPhase,
  PodStatus,
} from '../../shared/api/types.js';
import type { RuntimeContainer } from '../runtime/runtime.js';
import { attemptOf, isFinished, isRunning } from './actions.js';

export interface Waiting {
  reason: string;
  message?: string;
}

export interface ContainerView {
  spec: Container;
  /** Newest container of this name, and the one before it. */
  latest?: RuntimeContainer;
  previous?: RuntimeContainer;
  /** Why it is not running (yet/again): ErrImagePull, CrashLoopBackOff, CreateContainerConfigError, ... */
  waiting?: Waiting;
  /** From the prober (only meaningful while running). */
  ready: boolean;
  started: boolean;
}

export interface StatusInput {
  pod: Pod;
  containers: ContainerView[];
  /** The sandbox's IP (its containers share it); else the first running container's. */
  podIP?: string;
  /** The pod's init containers, in spec order. */
  initContainers?: ContainerView[];
  hostIP?: string;
  /** The last status reported, for startTime and conditions' lastTransitionTime. */
  previous?: PodStatus;
  now: number;
  /** The pod is being removed from the node: nothing will be restarted. */
  terminal?: boolean;
}

export function containerID(c: RuntimeContainer): string {
  return `docker://${c.id}`;
}

export function terminatedState(c: RuntimeContainer): ContainerState {
  const startFailed = c.state === 'created' && !!c.error;
  const exitCode = startFailed && c.exitCode === 0 ? 128 : c.exitCode;
  const t: NonNullable<ContainerState['terminated']> = {
    exitCode,
    reason: startFailed ? 'StartError' : c.oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error',
    containerID: containerID(c),
  };
  if (c.error) t.message = c.error;
  if (c.startedAt) t.startedAt = c.startedAt;
  if (c.finishedAt) t.finishedAt = c.finishedAt;
  return { terminated: t };
}

function containerStatus(v: ContainerView): ContainerStatus {
  const { latest, previous } = v;
  const s: ContainerStatus = {
    name: v.spec.name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: latest ? attemptOf(latest) : 0,
    image: v.spec.image ?? '',
    imageID: latest?.imageID ?? '',
    started: false,
  };
  if (latest) s.containerID = containerID(latest);
  if (latest && isRunning(latest)) {
    s.state = { running: latest.startedAt ? { startedAt: latest.startedAt } : {} };
    if (previous && isFinished(previous)) s.lastState = terminatedState(previous);
    s.ready = v.ready;
    s.started = v.started;
  } else if (latest && isFinished(latest)) {
    if (v.waiting) {
      s.state = { waiting: waitingOf(v.waiting) };
      s.lastState = terminatedState(latest);
    } else {
      s.state = terminatedState(latest);
      if (previous && isFinished(previous)) s.lastState = terminatedState(previous);
    }
  } else {
    s.state = { waiting: waitingOf(v.waiting ?? { reason: 'ContainerCreating' }) };
  }
  return s;
}

function waitingOf(w: Waiting): { reason: string; message?: string } {
  return w.message ? { reason: w.reason, message: w.message } : { reason: w.reason };
}

/** Kubelet's getPhase. */
export function podPhase(pod: Pod, statuses: ContainerStatus[], terminal = false): PodPhase {
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    }
  }
  // A pod leaving the node restarts nothing: it ends Succeeded only if every container did.
  if (terminal)
    return running === 0 && waiting === 0 && stopped > 0 && stopped === succeeded ? 'Succeeded' : 'Failed';
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    const policy = pod.spec.restartPolicy ?? 'Always';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(
  type: string,
  ok: boolean,
  previous: PodStatus | undefined,
  now: string,
  reason?: string,
  message?: string,
): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = previous?.conditions?.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime:
      prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now,
  };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

/** Init containers that have not completed (exit 0); none once an app container exists. */
function incompleteInits(input: StatusInput, inits: ContainerStatus[]): string[] {
  if (input.containers.some((v) => v.latest)) return [];
  return inits.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name);
}

/** A completed init container counts as ready (kubelet). */
function initStatus(v: ContainerView): ContainerStatus {
  const s = containerStatus(v);
  if (s.state?.terminated?.exitCode === 0) s.ready = true;
  return s;
}

export function computePodStatus(input: StatusInput): PodStatus {
  const now = new Date(input.now).toISOString();
  const statuses = input.containers.map(containerStatus);
  const inits = (input.initContainers ?? []).map(initStatus);
  const incomplete = incompleteInits(input, inits);
  // Kubelet's getPhase while initializing: Pending, or Failed when an init container failed
  // and the policy is Never (nothing will retry it).
  const initFailed =
    (input.pod.spec.restartPolicy ?? 'Always') === 'Never' &&
    inits.some((s) => (s.state?.terminated?.exitCode ?? 0) !== 0);
  const phase =
    incomplete.length === 0
      ? podPhase(input.pod, statuses, input.terminal)
      : initFailed || input.terminal
        ? 'Failed'
        : 'Pending';
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const done = phase === 'Succeeded' || phase === 'Failed';
  const readyReason = done ? 'PodCompleted' : 'ContainersNotReady';
  const readyMessage = done ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const allReady = unready.length === 0 && !done;
  const status: PodStatus = {
    phase,
    conditions: [
      condition(
        'Initialized',
        incomplete.length === 0,
        input.previous,
        now,
        'ContainersNotInitialized',
        `containers with incomplete status: [${incomplete.join(' ')}]`,
      ),
      condition('Ready', allReady, input.previous, now, readyReason, readyMessage),
      condition('ContainersReady', allReady, input.previous, now, readyReason, readyMessage),
      condition('PodScheduled', true, input.previous, now),
    ],
    startTime: input.previous?.startTime ?? now,
    containerStatuses: statuses,
    qosClass: qosClass(input.pod),
  };
  if (inits.length) status.initContainerStatuses = inits;
  if (input.hostIP) status.hostIP = input.hostIP;
  // A hostNetwork pod has the node's address (kubelet).
  const ip =
    (input.pod.spec.hostNetwork ? input.hostIP : input.podIP) ??
    input.containers.find((v) => v.latest && isRunning(v.latest) && v.latest.ipAddress)?.latest?.ipAddress;
  if (ip) {
    status.podIP = ip;
    status.podIPs = [{ ip }];
  }
  return status;
}

/** Kubernetes' QoS class from requests and limits. */
export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const cs = pod.spec.containers;
  const any = cs.some(
    (c) =>
      Object.keys(c.resources?.requests ?? {}).length + Object.keys(c.resources?.limits ?? {}).length > 0,
  );
  if (!any) return 'BestEffort';
  const guaranteed = cs.every((c) => {
    const l = c.resources?.limits ?? {};
    const r = c.resources?.requests ?? {};
    return ['cpu', 'memory'].every((k) => l[k] !== undefined && (r[k] === undefined || r[k] === l[k]));
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
