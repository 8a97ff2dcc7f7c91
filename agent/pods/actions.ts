// Desired pod vs the containers the runtime has for it -> the list of things to do (kubelet's
// computePodActions). Pure: the manager executes the plan and re-plans on the next sync.
import type { Container, Pod } from '../../shared/api/types.js';
import {
  LABEL_CONTAINER_ATTEMPT,
  LABEL_CONTAINER_HASH,
  LABEL_CONTAINER_NAME,
  SANDBOX_CONTAINER,
  containerHash,
} from '../runtime/labels.js';
import type { RuntimeContainer } from '../runtime/runtime.js';
import { type BackoffConfig, type BackoffEntry, formatDuration, recordFailure, retryAt } from './backoff.js';

/** Kubernetes' default terminationGracePeriodSeconds, s. */
export const DEFAULT_GRACE_SECONDS = 30;

export type KillReason = 'SpecChanged' | 'Unhealthy' | 'Duplicate' | 'Removed' | 'Deleting';

export type Action =
  | { type: 'kill'; id: string; container: string; reason: KillReason; message: string; graceSeconds: number }
  | { type: 'remove'; id: string }
  | { type: 'start'; container: Container; attempt: number }
  | { type: 'startExisting'; id: string; container: string }
  | { type: 'wait'; container: string; until: number; reason: 'CrashLoopBackOff'; message: string };

export interface PlanInput {
  pod: Pod;
  /** The runtime's containers carrying this pod's uid. */
  containers: RuntimeContainer[];
  now: number;
  /** Crash backoff per container name, as left by the previous plan. */
  backoff: ReadonlyMap<string, BackoffEntry>;
  /** Container id -> why its liveness or startup probe failed (it gets killed). */
  unhealthy: ReadonlyMap<string, string>;
  backoffConfig: BackoffConfig;
}

export interface Plan {
  actions: Action[];
  /** Crash backoff per container name after this plan. */
  backoff: Map<string, BackoffEntry>;
}

export function attemptOf(c: RuntimeContainer): number {
  const n = Number(c.labels[LABEL_CONTAINER_ATTEMPT]);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** Newest first: by attempt, then creation time. */
export function newestFirst(a: RuntimeContainer, b: RuntimeContainer): number {
  return attemptOf(b) - attemptOf(a) || (b.createdAt < a.createdAt ? -1 : b.createdAt > a.createdAt ? 1 : 0);
}

export function isRunning(c: RuntimeContainer): boolean {
  return c.state === 'running' || c.state === 'restarting' || c.state === 'paused';
}

/** A container that will not run again by itself: exited, dead, or created but failed to start. */
export function isFinished(c: RuntimeContainer): boolean {
  return c.state === 'exited' || c.state === 'dead' || (c.state === 'created' && !!c.error);
}

/** Containers of one pod grouped by container name, newest first. */
export function byContainerName(containers: RuntimeContainer[]): Map<string, RuntimeContainer[]> {
  const out = new Map<string, RuntimeContainer[]>();
  for (const c of containers) {
    const name = c.labels[LABEL_CONTAINER_NAME] ?? '';
    const list = out.get(name) ?? [];
    list.push(c);
    out.set(name, list);
  }
  for (const list of out.values()) list.sort(newestFirst);
  return out;
}

export function podGraceSeconds(pod: Pod | undefined): number {
  return (
    pod?.metadata.deletionGracePeriodSeconds ??
    pod?.spec.terminationGracePeriodSeconds ??
    DEFAULT_GRACE_SECONDS
  );
}

export function shouldRestart(pod: Pod, exitCode: number): boolean {
  const policy = pod.spec.restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

function ranForMs(c: RuntimeContainer): number {
  if (!c.startedAt || !c.finishedAt) return 0;
  return Math.max(0, Date.parse(c.finishedAt) - Date.parse(c.startedAt));
}

function podRef(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid})`;
}

/** What to do for a pod that stays on the node. */
export function planPod(input: PlanInput): Plan {
  const { pod } = input;
  const actions: Action[] = [];
  const backoff = new Map(input.backoff);
  const groups = byContainerName(input.containers);
  const grace = podGraceSeconds(pod);
  const inits = pod.spec.initContainers ?? [];
  const specNames = new Set([...pod.spec.containers, ...inits].map((c) => c.name));

  // Containers of a name the spec no longer has: stop and remove.
  for (const [name, list] of groups) {
    if (specNames.has(name) || name === SANDBOX_CONTAINER) continue; // the sandbox is sandbox.ts's
    for (const c of list) {
      if (isRunning(c))
        actions.push(kill(c, name, 'Removed', `container ${name} is no longer in the pod spec`, grace));
      actions.push({ type: 'remove', id: c.id });
    }
  }

  // Init containers run one at a time, in order, before any app container (kubelet's
  // computeInitContainerActions); a pod whose app containers exist has been initialized.
  const initialized = pod.spec.containers.some((c) => groups.has(c.name));
  if (!initialized) {
    for (const spec of inits) {
      const [latest, ...older] = groups.get(spec.name) ?? [];
      for (const c of older.slice(1)) actions.push({ type: 'remove', id: c.id });
      if (latest && isFinished(latest) && latest.exitCode === 0 && !latest.error) continue;
      if (latest && !isFinished(latest)) {
        if (latest.state === 'created' && !latest.error)
          actions.push({ type: 'startExisting', id: latest.id, container: spec.name });
      } else restartOrWait(input, backoff, actions, spec, latest, true);
      return { actions, backoff };
    }
  }

  for (const spec of pod.spec.containers) {
    const list = groups.get(spec.name) ?? [];
    const [latest, previous, ...older] = list;
    // Kubelet keeps one dead container per container (for `logs --previous` and lastState).
    for (const c of [previous, ...older]) {
      if (!c) continue;
      if (isRunning(c)) actions.push(kill(c, spec.name, 'Duplicate', `duplicate container ${c.name}`, grace));
    }
    for (const c of older) actions.push({ type: 'remove', id: c.id });

    if (!latest) {
      actions.push({ type: 'start', container: spec, attempt: 0 });
      continue;
    }
    if (isRunning(latest)) {
      const why = input.unhealthy.get(latest.id);
      if (why !== undefined) {
        const g = spec.livenessProbe?.terminationGracePeriodSeconds ?? grace;
        actions.push(kill(latest, spec.name, 'Unhealthy', why, g));
      } else if (latest.labels[LABEL_CONTAINER_HASH] !== containerHash(spec)) {
        actions.push(
          kill(
            latest,
            spec.name,
            'SpecChanged',
            `container ${spec.name} definition changed, will be restarted`,
            grace,
          ),
        );
      }
      continue;
    }
    if (latest.state === 'created' && !latest.error) {
      actions.push({ type: 'startExisting', id: latest.id, container: spec.name });
      continue;
    }
    if (!isFinished(latest)) continue; // removing: the next sync sees the outcome
    restartOrWait(input, backoff, actions, spec, latest, false);
  }
  return { actions, backoff };
}

/**
 * A finished container (or none yet, for an init container): start it again when the restart
 * policy says so and its crash backoff allows, else wait. A failed init container restarts
 * unless the policy is Never (the pod then fails); one that succeeded is never rerun.
 */
function restartOrWait(
  input: PlanInput,
  backoff: Map<string, BackoffEntry>,
  actions: Action[],
  spec: Container,
  latest: RuntimeContainer | undefined,
  init: boolean,
): void {
  const { pod, now } = input;
  if (!latest) {
    actions.push({ type: 'start', container: spec, attempt: 0 });
    return;
  }
  const failed = latest.exitCode !== 0 || !!latest.error;
  const restart = init
    ? failed && (pod.spec.restartPolicy ?? 'Always') !== 'Never'
    : shouldRestart(pod, failed ? latest.exitCode || 1 : 0);
  if (!restart) return;
  // kubelet keys the crash backoff by the container's spec hash (getStableKey): a container
  // stopped for a spec change starts again at once with the new spec.
  if (latest.labels[LABEL_CONTAINER_HASH] !== containerHash(spec)) {
    backoff.delete(spec.name);
    actions.push({ type: 'start', container: spec, attempt: attemptOf(latest) + 1 });
    return;
  }
  const finishedAt = latest.finishedAt ? Date.parse(latest.finishedAt) : now;
  const entry = recordFailure(
    backoff.get(spec.name),
    latest.id,
    finishedAt,
    ranForMs(latest),
    input.backoffConfig,
  );
  backoff.set(spec.name, entry);
  const until = retryAt(entry);
  if (now < until) {
    actions.push({
      type: 'wait',
      container: spec.name,
      until,
      reason: 'CrashLoopBackOff',
      message: `back-off ${formatDuration(entry.delayMs)} restarting failed container=${spec.name} pod=${podRef(pod)}`,
    });
  } else {
    actions.push({ type: 'start', container: spec, attempt: attemptOf(latest) + 1 });
  }
}

/** Everything to do for a pod leaving the node: stop the running containers, then remove all. */
export function planTermination(
  containers: RuntimeContainer[],
  graceSeconds: number,
): { kills: Action[]; removes: Action[] } {
  const kills: Action[] = [];
  const removes: Action[] = [];
  for (const c of containers) {
    const name = c.labels[LABEL_CONTAINER_NAME] ?? c.name;
    // The sandbox's pause process has nothing to finish: it is killed at once.
    const grace = name === SANDBOX_CONTAINER ? 0 : graceSeconds;
    if (isRunning(c) || c.state === 'created')
      kills.push(kill(c, name, 'Deleting', `Stopping container ${name}`, grace));
    removes.push({ type: 'remove', id: c.id });
  }
  return { kills, removes };
}

function kill(
  c: RuntimeContainer,
  name: string,
  reason: KillReason,
  message: string,
  graceSeconds: number,
): Action {
  return { type: 'kill', id: c.id, container: name, reason, message, graceSeconds };
}
