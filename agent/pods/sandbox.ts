// The pod sandbox (kubelet's RunPodSandbox on Docker, as dockershim did): one pause container per
// pod holds the network and IPC namespaces, publishes every container's hostPorts, and carries
// the pod's hostname and IP; the pod's containers join it (`container:<id>`), so they share
// localhost. hostNetwork pods have none (their containers use the host's network). The pause
// image is made on the board from a static busybox, so nothing is pulled for it. A sandbox that
// died takes its namespaces with it: the containers still running in it are killed first and
// restart in the new one (kubelet's SandboxChanged).

import { promises as fs } from 'node:fs';
import type { Container, Pod } from '../../shared/api/types.js';
import { podDns } from '../dns/pod-dns.js';
import { buildContainerSpec } from '../runtime/container-spec.js';
import { PAUSE_COMMAND } from '../runtime/defaults.js';
import { LABEL_CONTAINER_NAME, SANDBOX_CONTAINER } from '../runtime/labels.js';
import type { RuntimeContainer } from '../runtime/runtime.js';
import { singleFileTar } from '../runtime/tar.js';
import { attemptOf, byContainerName, isRunning } from './actions.js';
import type { PodRecord, SyncContext } from './record.js';
import type { Waiting } from './status.js';

/** The pause binary could not be read to make the pause image. */
export class PauseImageError extends Error {
  override name = 'PauseImageError';
}

export function isSandbox(c: RuntimeContainer): boolean {
  return c.labels[LABEL_CONTAINER_NAME] === SANDBOX_CONTAINER;
}

/** The pod's sandbox container, newest first, and whether it runs. */
export function sandboxOf(containers: RuntimeContainer[]): RuntimeContainer | undefined {
  return byContainerName(containers).get(SANDBOX_CONTAINER)?.[0];
}

async function ensurePauseImage(ctx: SyncContext): Promise<void> {
  const { runtime, pauseImage, pauseBinary } = ctx.opts;
  if (ctx.presentImages.has(pauseImage) || (await runtime.imageExists(pauseImage))) {
    ctx.presentImages.add(pauseImage);
    return;
  }
  let bin: Buffer;
  try {
    bin = await fs.readFile(pauseBinary);
  } catch (e) {
    throw new PauseImageError(
      `cannot make the pod sandbox image ${pauseImage} from ${pauseBinary} (install busybox-static): ${(e as Error).message}`,
    );
  }
  await runtime.importImage(pauseImage, singleFileTar('busybox', bin, 0o755), PAUSE_COMMAND);
  ctx.presentImages.add(pauseImage);
}

/** The sandbox spec: the pause command, every container's ports, a shareable IPC namespace. */
function sandboxContainer(pod: Pod, image: string): Container {
  const ports = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].flatMap((c) => c.ports ?? []);
  return { name: SANDBOX_CONTAINER, image, ports };
}

/**
 * The running sandbox's id (made if needed), undefined for a hostNetwork pod, or why the pod's
 * containers must wait.
 */
export async function ensureSandbox(
  ctx: SyncContext,
  rec: PodRecord,
  pod: Pod,
): Promise<{ id?: string; waiting?: Waiting }> {
  if (pod.spec.hostNetwork) return {};
  const containers = ctx.containers(rec.uid);
  const current = sandboxOf(containers);
  if (current && isRunning(current)) return { id: current.id };
  // A sandbox that failed to start (or died young) is retried after the retry interval, not on
  // every container event its own create and remove cause.
  const retryAt = current ? Date.parse(current.createdAt) + ctx.opts.retryIntervalMs : 0;
  if (current && ctx.opts.clock() < retryAt) {
    ctx.requeueAt(rec, retryAt);
    const why = current.error ?? `the sandbox is ${current.state}`;
    return { waiting: { reason: 'ContainerCreating', message: `failed to create pod sandbox: ${why}` } };
  }
  const { runtime } = ctx.opts;
  let created: string | undefined;
  try {
    // Containers left in a dead sandbox have no network: they restart in the new one.
    for (const c of containers)
      if (!isSandbox(c) && isRunning(c)) {
        ctx.emit(rec, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
        await runtime.stopContainer(c.id, 0);
        await ctx.refresh(c.id);
      }
    for (const c of containers)
      if (isSandbox(c)) {
        await runtime.removeContainer(c.id, { force: true });
        ctx.forget(c.id);
      }
    await ensurePauseImage(ctx);
    const spec = buildContainerSpec({
      node: ctx.opts.nodeName,
      pod,
      container: sandboxContainer(pod, ctx.opts.pauseImage),
      attempt: current ? attemptOf(current) + 1 : 0,
      env: {},
      podDir: ctx.podDir(rec.uid),
    });
    spec.entrypoint = PAUSE_COMMAND;
    spec.ipcMode = 'shareable';
    // The containers that join the sandbox's network share its resolv.conf.
    const dns = ctx.opts.dns ? podDns(pod, ctx.opts.dns) : undefined;
    if (dns) spec.dns = dns;
    created = await runtime.createContainer(spec);
    await runtime.startContainer(created);
    await ctx.refresh(created);
    return { id: created };
  } catch (e) {
    // The cache learns of the failed sandbox (and its error) now, so the retry waits for it.
    if (created) await ctx.refresh(created).catch(() => {});
    const message = `failed to create pod sandbox: ${(e as Error).message}`;
    ctx.emit(rec, 'Warning', 'FailedCreatePodSandBox', message);
    ctx.requeueAt(rec, ctx.opts.clock() + ctx.opts.retryIntervalMs);
    return { waiting: { reason: 'ContainerCreating', message } };
  }
}
