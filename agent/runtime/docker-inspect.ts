// Docker inspect documents -> runtime-neutral records. Pure.
import type { ContainerInspectInfo, ImageInfo, ImageInspectInfo } from 'dockerode';
import type { ContainerStateName, ImageSummary, RuntimeContainer, RuntimeImage } from './runtime.js';

const STATES = new Set<ContainerStateName>([
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
]);

/** Docker's state word; anything unknown counts as dead. */
export function stateName(s: string | undefined): ContainerStateName {
  return STATES.has(s as ContainerStateName) ? (s as ContainerStateName) : 'dead';
}

/** Docker writes `0001-01-01T00:00:00Z` for "never". */
function time(t: string | undefined): string | undefined {
  return !t || t.startsWith('0001-01-01') ? undefined : t;
}

export function containerFromInspect(info: ContainerInspectInfo): RuntimeContainer {
  const s = info.State;
  const state = stateName(s.Status);
  const c: RuntimeContainer = {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    labels: info.Config.Labels ?? {},
    state,
    exitCode: s.ExitCode,
    createdAt: info.Created,
    image: info.Config.Image,
    imageID: info.Image,
    oomKilled: s.OOMKilled,
  };
  const started = time(s.StartedAt);
  const finished = time(s.FinishedAt);
  if (started) c.startedAt = started;
  if (finished) c.finishedAt = finished;
  if (s.Error) c.error = s.Error;
  const ip = containerIPFromInspect(info);
  if (ip) c.ipAddress = ip;
  return c;
}

export function containerIPFromInspect(info: ContainerInspectInfo): string | undefined {
  const ns = info.NetworkSettings as ContainerInspectInfo['NetworkSettings'] & { IPAddress?: string };
  if (ns?.IPAddress) return ns.IPAddress;
  for (const n of Object.values(ns?.Networks ?? {})) if (n.IPAddress) return n.IPAddress;
  return undefined;
}

export function imageFromInspect(info: ImageInspectInfo): RuntimeImage {
  return {
    id: info.Id,
    repoTags: info.RepoTags ?? [],
    repoDigests: info.RepoDigests ?? [],
    size: info.Size,
    architecture: info.Architecture,
    os: info.Os,
  };
}

/** NodeStatus.images entry: digests first, then tags, as kubelet lists them; untagged names dropped. */
export function imageSummary(info: ImageInfo): ImageSummary {
  const names = [...(info.RepoDigests ?? []), ...(info.RepoTags ?? [])].filter(
    (n) => n !== '<none>:<none>' && n !== '<none>@<none>',
  );
  return { names, sizeBytes: info.Size };
}
