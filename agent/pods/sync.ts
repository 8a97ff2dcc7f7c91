// One pod's sync, as named steps: (1) plan from desired vs actual containers, (2) volumes,
// (3) images, (4) create/start, (5) restarts with crash-loop backoff, (6) probes, (7) status,
// (8) termination of a pod leaving the node. Level-based: every call re-reads the pod's
// containers from the container cache (kept by the runtime's events); what the sync changes it
// inspects into the cache itself, so the next read sees it. Runtime calls for a new pod:
// create, start, inspect (plus one image inspect per image the node has not used yet).
import { promises as fs } from 'node:fs';
import { nextImagesOf } from '../../shared/api/next-images.js';
import type { Container, Pod, PodStatus } from '../../shared/api/types.js';
import { buildContainerSpec } from '../runtime/container-spec.js';
import { resolveEnv } from '../runtime/env.js';
import { ImageNotPresentError, RuntimeError } from '../runtime/errors.js';
import { materializeVolumes } from '../runtime/volumes.js';
import {
  type Action,
  byContainerName,
  isRunning,
  planPod,
  planTermination,
  podGraceSeconds,
} from './actions.js';
import { ensureImage } from './images.js';
import { changedImages, staged, stagingCondition } from './staging.js';
import type { PodRecord, SyncContext } from './record.js';
import { ensureSandbox, sandboxOf } from './sandbox.js';
import { type ContainerView, computePodStatus, type Waiting } from './status.js';

export type SyncOutcome = 'keep' | 'forget';

function ns(pod: Pod): string {
  return pod.metadata.namespace ?? 'default';
}

export async function syncPod(ctx: SyncContext, rec: PodRecord): Promise<SyncOutcome> {
  const pod = rec.pod;
  if (!pod || !rec.desired || rec.evicted) return terminate(ctx, rec);
  // A pod being replaced keeps serving until its replacement's images are here (staging.ts).
  const next = nextImagesOf(pod);
  if (pod.metadata.deletionTimestamp && (rec.finished || (await staged(ctx, rec, next))))
    return terminate(ctx, rec);
  if (rec.finished) return 'keep';
  // A running pod asked to pull ahead (pre-pull): in the background, nothing is stopped.
  if (!pod.metadata.deletionTimestamp && next.length > 0) await staged(ctx, rec, next, 'ahead');
  const waiting = new Map<string, Waiting>();

  // (1) plan
  let containers = ctx.containers(rec.uid);
  const plan = planPod({
    pod,
    containers,
    now: ctx.opts.clock(),
    backoff: rec.backoff,
    unhealthy: ctx.prober.unhealthyOf(rec.uid),
    backoffConfig: ctx.opts.crashBackoff,
  });
  rec.backoff = plan.backoff;

  // (2) volumes: refreshed every sync so ConfigMap/Secret changes reach running containers.
  let volumesOk = true;
  try {
    await fs.mkdir(ctx.podDir(rec.uid), { recursive: true, mode: 0o750 });
    await materializeVolumes(pod, ctx.podDir(rec.uid), ctx.configMaps(ns(pod)), ctx.secrets(ns(pod)));
  } catch (e) {
    volumesOk = false;
    ctx.emit(rec, 'Warning', 'FailedMount', (e as Error).message);
    ctx.requeueAt(rec, ctx.opts.clock() + ctx.opts.retryIntervalMs);
  }

  // (3) a container whose spec changed is stopped only once its new image is here.
  const changed = plan.actions.flatMap((a) =>
    a.type === 'kill' && a.reason === 'SpecChanged' ? [a.container] : [],
  );
  const hold = changed.length > 0 && !(await staged(ctx, rec, changedImages(pod, changed)));
  const actions = hold
    ? plan.actions.filter((a) => !(a.type === 'kill' && a.reason === 'SpecChanged'))
    : plan.actions;

  // (3)-(5) execute: kills and removals first, then starts.
  let killed = false;
  for (const a of actions) {
    if (a.type === 'kill') {
      await kill(ctx, rec, a);
      killed = true;
    } else if (a.type === 'remove') {
      await remove(ctx, a.id);
    }
  }
  // The sandbox first: the containers about to start join its namespaces.
  const starting = actions.some((a) => a.type === 'start' || a.type === 'startExisting');
  const sandbox = starting ? await ensureSandbox(ctx, rec, pod) : {};
  for (const a of actions) {
    if ((a.type === 'start' || a.type === 'startExisting') && sandbox.waiting) {
      waiting.set(a.type === 'start' ? a.container.name : a.container, sandbox.waiting);
      continue;
    }
    if (a.type === 'wait') {
      waiting.set(a.container, { reason: a.reason, message: a.message });
      ctx.emit(
        rec,
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${a.container} in pod ${pod.metadata.name}_${ns(pod)}(${rec.uid})`,
      );
      ctx.requeueAt(rec, a.until);
    } else if (a.type === 'startExisting') {
      await startExisting(ctx, rec, a.id, a.container);
    } else if (a.type === 'start') {
      if (!volumesOk) {
        waiting.set(a.container.name, { reason: 'ContainerCreating' });
        continue;
      }
      const w = await startContainer(ctx, rec, pod, a.container, a.attempt, sandbox.id);
      if (w) waiting.set(a.container.name, w);
    }
  }
  // A killed container restarts (or not) by the restart rules on the next round.
  if (killed) ctx.requeueAt(rec, ctx.opts.clock());

  // (6) probes for running containers, (7) status.
  containers = ctx.containers(rec.uid);
  const groups = byContainerName(containers);
  // Containers waiting for the init containers say so (kubelet's PodInitializing).
  const initializing = !pod.spec.containers.some((c) => groups.has(c.name));
  const initWait: Waiting | undefined = initializing ? { reason: 'PodInitializing' } : undefined;
  const box = sandboxOf(containers);
  const podIP = box && isRunning(box) ? box.ipAddress : undefined;
  const views: ContainerView[] = pod.spec.containers.map((spec) => {
    const [latest, previous] = groups.get(spec.name) ?? [];
    const running = !!latest && isRunning(latest);
    if (running) ctx.prober.ensure(rec.uid, spec, latest, podIP);
    return {
      spec,
      latest,
      previous,
      waiting: waiting.get(spec.name) ?? (latest ? undefined : initWait),
      ready: running && ctx.prober.ready(latest.id),
      started: running && ctx.prober.started(latest.id),
    };
  });
  const initViews: ContainerView[] = (pod.spec.initContainers ?? []).map((spec) => {
    const [latest, previous] = groups.get(spec.name) ?? [];
    return {
      spec,
      latest,
      previous,
      waiting: waiting.get(spec.name) ?? (latest ? undefined : initWait),
      ready: false,
      started: !!latest && isRunning(latest),
    };
  });
  const status = report(ctx, rec, pod, views, false, initViews, podIP);
  // A pod that has finished keeps no sandbox (kubelet stops it; the pod's IP is released).
  if (box && isRunning(box) && (status.phase === 'Succeeded' || status.phase === 'Failed')) {
    try {
      await ctx.opts.runtime.stopContainer(box.id, 0);
      await ctx.refresh(box.id);
    } catch (e) {
      ctx.opts.log.warn('stopping the sandbox of a finished pod failed', {
        id: box.id,
        error: (e as Error).message,
      });
    }
  }
  return 'keep';
}

async function kill(ctx: SyncContext, rec: PodRecord, a: Extract<Action, { type: 'kill' }>): Promise<void> {
  const msg = a.reason === 'Deleting' ? `Stopping container ${a.container}` : a.message;
  ctx.emit(rec, 'Normal', 'Killing', msg);
  try {
    await ctx.opts.runtime.stopContainer(a.id, a.graceSeconds);
    await ctx.refresh(a.id);
  } catch (e) {
    ctx.opts.log.warn('stop failed', { id: a.id, error: (e as Error).message });
  }
}

async function remove(ctx: SyncContext, id: string): Promise<void> {
  try {
    await ctx.opts.runtime.removeContainer(id, { force: true });
    ctx.forget(id);
  } catch (e) {
    ctx.opts.log.warn('remove failed', { id, error: (e as Error).message });
  }
}

async function startExisting(ctx: SyncContext, rec: PodRecord, id: string, name: string): Promise<void> {
  try {
    await ctx.opts.runtime.startContainer(id);
    ctx.emit(rec, 'Normal', 'Started', `Started container ${name}`);
  } catch (e) {
    ctx.emit(rec, 'Warning', 'Failed', `Error: ${(e as Error).message}`);
  }
  await ctx.refresh(id);
}

/** (3)+(4): image, env, spec, create, start. Returns why the container waits, if it does. */
async function startContainer(
  ctx: SyncContext,
  rec: PodRecord,
  pod: Pod,
  spec: Container,
  attempt: number,
  sandboxId: string | undefined,
): Promise<Waiting | undefined> {
  const { runtime } = ctx.opts;
  const imageWait = await ensureImage(ctx, rec, spec);
  if (imageWait) return imageWait;
  let id: string;
  try {
    const env = resolveEnv(spec, ctx.configMaps(ns(pod)), ctx.secrets(ns(pod)), pod);
    const cs = buildContainerSpec({
      node: ctx.opts.nodeName,
      pod,
      container: spec,
      attempt,
      env,
      podDir: ctx.podDir(rec.uid),
      ...(sandboxId ? { networkMode: `container:${sandboxId}` as const } : {}),
    });
    if (sandboxId) cs.ipcMode = `container:${sandboxId}`;
    id = await runtime.createContainer(cs);
  } catch (e) {
    // Removed behind our back since it was seen: the next sync inspects (and pulls) again.
    if (e instanceof ImageNotPresentError) ctx.presentImages.delete(spec.image ?? '');
    const reason = e instanceof RuntimeError ? e.kubeReason : 'CreateContainerError';
    const message = (e as Error).message;
    ctx.emit(rec, 'Warning', 'Failed', `Error: ${message}`);
    ctx.requeueAt(rec, ctx.opts.clock() + ctx.opts.retryIntervalMs);
    return { reason, message };
  }
  ctx.emit(rec, 'Normal', 'Created', `Created container ${spec.name}`);
  try {
    await runtime.startContainer(id);
    ctx.emit(rec, 'Normal', 'Started', `Started container ${spec.name}`);
  } catch (e) {
    // The container stays `created` with an error: the next sync treats it as a failed run.
    ctx.emit(rec, 'Warning', 'Failed', `Error: ${(e as Error).message}`);
    ctx.requeueAt(rec, ctx.opts.clock());
  }
  // Started at, IP and image id for the status (events carry none of them).
  await ctx.refresh(id);
  return undefined;
}

function report(
  ctx: SyncContext,
  rec: PodRecord,
  pod: Pod,
  views: ContainerView[],
  terminal: boolean,
  initContainers: ContainerView[] = [],
  podIP?: string,
  evicted?: string,
): PodStatus {
  const computed = computePodStatus({
    pod,
    containers: views,
    initContainers,
    podIP,
    hostIP: ctx.opts.hostIP,
    previous: rec.lastStatus,
    now: ctx.opts.clock(),
    terminal,
  });
  const staging = stagingCondition(
    rec,
    pod,
    rec.lastStatus?.conditions,
    new Date(ctx.opts.clock()).toISOString(),
  );
  if (staging) computed.conditions = [...(computed.conditions ?? []), staging];
  // kubelet's evictPod: phase Failed, reason Evicted, the eviction manager's message.
  const status: PodStatus = evicted
    ? { ...computed, phase: 'Failed', reason: 'Evicted', message: evicted }
    : computed;
  rec.lastStatus = status;
  const json = JSON.stringify(status);
  if (json === rec.lastReport) return status;
  rec.lastReport = json;
  ctx.opts.report(ns(pod), pod.metadata.name ?? '', rec.uid, status);
  return status;
}

/** (8) stop with the pod's grace (SIGTERM, then SIGKILL), report the final status, remove, clean up. */
async function terminate(ctx: SyncContext, rec: PodRecord): Promise<SyncOutcome> {
  if (rec.finished) return rec.desired ? 'keep' : 'forget';
  const pod = rec.pod;
  const grace = rec.evicted?.graceSeconds ?? (pod ? podGraceSeconds(pod) : ctx.opts.ghostGraceSeconds);
  let containers = ctx.containers(rec.uid);
  const { kills, removes } = planTermination(containers, grace);
  await Promise.all(kills.map((a) => (a.type === 'kill' ? kill(ctx, rec, a) : undefined)));
  ctx.prober.forgetPod(rec.uid);
  if (pod) {
    containers = ctx.containers(rec.uid);
    const groups = byContainerName(containers);
    const views = pod.spec.containers.map((spec) => {
      const [latest, previous] = groups.get(spec.name) ?? [];
      return { spec, latest, previous, ready: false, started: false };
    });
    report(ctx, rec, pod, views, true, [], undefined, rec.evicted?.message);
  }
  for (const a of removes) if (a.type === 'remove') await remove(ctx, a.id);
  await fs.rm(ctx.podDir(rec.uid), { recursive: true, force: true });
  rec.finished = true;
  return rec.desired ? 'keep' : 'forget';
}
