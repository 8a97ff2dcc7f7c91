// Runtime on a Docker Engine (or anything speaking its socket API, such as Podman) via dockerode.
import Dockerode, { type ContainerLogsOptions } from 'dockerode';
import { Readable } from 'node:stream';
import {
  DEFAULT_EXEC_OUTPUT_CAP_BYTES,
  DEFAULT_PULL_STALL_TIMEOUT_MS,
  DEFAULT_SOCKET_PATH,
} from './defaults.js';
import { toDockerCreateBody } from './docker-body.js';
import { dockerFailure, isUnavailable, toRuntimeError } from './docker-errors.js';
import { dockerExecStream } from './docker-exec.js';
import { labelFilters, readEventLines, summaryFromList, WATCHED_ACTIONS } from './docker-events.js';
import {
  containerFromInspect,
  containerIPFromInspect,
  imageFromInspect,
  imageSummary,
} from './docker-inspect.js';
import { dockerPull } from './docker-pull.js';
import { bufferStream, collect, demuxed } from './docker-streams.js';
import {
  ContainerNotFoundError,
  CreateContainerError,
  ExecTimeoutError,
  ImageNotPresentError,
  ImagePullError,
  RuntimeUnavailableError,
  StartContainerError,
} from './errors.js';
import type {
  ContainerSpec,
  ContainerStats,
  ContainerSummary,
  EventHandlers,
  EventWatch,
  ExecResult,
  ExecSession,
  ExecStreamOptions,
  ImageSummary,
  LabelFilter,
  LogOptions,
  LogStream,
  PullOptions,
  PullProgress,
  Runtime,
  RuntimeContainer,
  RuntimeImage,
  RuntimeVersion,
} from './runtime.js';

export interface DockerRuntimeOptions {
  /** Unix socket of the engine; default /var/run/docker.sock. */
  socketPath?: string;
  /** Abandon a pull after this long without a progress event (ms). */
  pullStallTimeoutMs?: number;
  /** Exec output kept (bytes). */
  execOutputCapBytes?: number;
  /** Every container goes under this cgroup (Docker's --cgroup-parent); '' = the engine's default. */
  cgroupParent?: string;
}

function resolveOptions(o: DockerRuntimeOptions): Required<DockerRuntimeOptions> {
  const r = {
    cgroupParent: o.cgroupParent ?? '',
    socketPath: o.socketPath ?? DEFAULT_SOCKET_PATH,
    pullStallTimeoutMs: o.pullStallTimeoutMs ?? DEFAULT_PULL_STALL_TIMEOUT_MS,
    execOutputCapBytes: o.execOutputCapBytes ?? DEFAULT_EXEC_OUTPUT_CAP_BYTES,
  };
  if (!r.socketPath) throw new TypeError('socketPath must not be empty');
  if (!(r.pullStallTimeoutMs > 0)) throw new TypeError('pullStallTimeoutMs must be > 0');
  if (!(r.execOutputCapBytes > 0)) throw new TypeError('execOutputCapBytes must be > 0');
  return r;
}

/** The parts of Docker's stats answer read here (cgroup v1 and v2 names). */
interface DockerStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: { inactive_file?: number; total_inactive_file?: number } };
}

export class DockerRuntime implements Runtime {
  readonly options: Required<DockerRuntimeOptions>;
  private readonly docker: Dockerode;

  constructor(opts: DockerRuntimeOptions = {}) {
    this.options = resolveOptions(opts);
    this.docker = new Dockerode({ socketPath: this.options.socketPath });
  }

  private get endpoint(): string {
    return `unix://${this.options.socketPath}`;
  }

  /** Runs a call, turning socket and API failures into typed errors. */
  private async call<T>(fn: () => Promise<T>, containerId?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toRuntimeError(err, this.endpoint, containerId);
    }
  }

  async version(): Promise<RuntimeVersion> {
    const v = await this.call(() => this.docker.version());
    const podman = (v.Components ?? []).some((c) => /podman/i.test(c.Name));
    return {
      name: podman ? 'podman' : 'docker',
      version: v.Version,
      apiVersion: v.ApiVersion,
      os: v.Os,
      arch: v.Arch,
    };
  }

  async listContainers(labels: LabelFilter): Promise<RuntimeContainer[]> {
    const list = await this.call(() =>
      this.docker.listContainers({ all: true, filters: { label: labelFilters(labels) } }),
    );
    const out = await Promise.all(
      list.map((c) =>
        this.inspectContainer(c.Id).catch((err: unknown) => {
          if (err instanceof ContainerNotFoundError) return undefined; // removed since the list
          throw err;
        }),
      ),
    );
    return out.filter((c): c is RuntimeContainer => c !== undefined);
  }

  async listContainerSummaries(labels: LabelFilter): Promise<ContainerSummary[]> {
    const list = await this.call(() =>
      this.docker.listContainers({ all: true, filters: { label: labelFilters(labels) } }),
    );
    return list.map(summaryFromList);
  }

  watchContainers(labels: LabelFilter, handlers: EventHandlers): EventWatch {
    const abort = new AbortController();
    let closed = false;
    const close = (err?: Error) => {
      if (closed) return;
      closed = true;
      if (!abort.signal.aborted) handlers.onClose(err);
    };
    const filters = {
      type: ['container' as const],
      label: labelFilters(labels),
      event: [...WATCHED_ACTIONS],
    };
    this.docker.getEvents({ filters, abortSignal: abort.signal }).then(
      (s) => {
        const stream = s as Readable;
        if (abort.signal.aborted) return stream.destroy();
        stream.on('error', (e) => close(toRuntimeError(e, this.endpoint)));
        stream.on('close', () => close(new RuntimeUnavailableError(this.endpoint, 'event stream ended')));
        readEventLines(stream, (ev) => {
          if (!abort.signal.aborted) handlers.onEvent(ev);
        });
        handlers.onOpen();
      },
      (e: unknown) => close(toRuntimeError(e, this.endpoint)),
    );
    return {
      stop: () => {
        closed = true;
        abort.abort();
      },
    };
  }

  async pullImage(
    ref: string,
    opts: PullOptions = {},
    onProgress?: (ev: PullProgress) => void,
  ): Promise<RuntimeImage> {
    await dockerPull(
      this.docker,
      this.endpoint,
      ref,
      { auth: opts.auth, stallTimeoutMs: this.options.pullStallTimeoutMs },
      onProgress,
    );
    try {
      return await this.inspectImage(ref);
    } catch (err) {
      if (err instanceof ImageNotPresentError)
        throw new ImagePullError(ref, 'unknown', 'pull ended without the image');
      throw err;
    }
  }

  async importImage(ref: string, rootfsTar: Buffer, cmd: string[]): Promise<void> {
    const at = ref.lastIndexOf(':');
    const [repo, tag] = at > ref.lastIndexOf('/') ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, 'latest'];
    const stream = await this.call(() =>
      this.docker.importImage(Readable.from([rootfsTar]), {
        repo,
        tag,
        changes: `CMD ${JSON.stringify(cmd)}`,
      }),
    );
    await new Promise<void>((resolve, reject) =>
      this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.inspectImage(ref);
      return true;
    } catch (err) {
      if (err instanceof ImageNotPresentError) return false;
      throw err;
    }
  }

  async inspectImage(ref: string): Promise<RuntimeImage> {
    try {
      return imageFromInspect(await this.docker.getImage(ref).inspect());
    } catch (err) {
      if (dockerFailure(err).statusCode === 404) throw new ImageNotPresentError(ref);
      throw toRuntimeError(err, this.endpoint);
    }
  }

  async listImages(): Promise<ImageSummary[]> {
    const list = await this.call(() => this.docker.listImages());
    return list.map(imageSummary).filter((i) => i.names.length > 0);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    try {
      const body = toDockerCreateBody(spec);
      if (this.options.cgroupParent && body.HostConfig)
        body.HostConfig.CgroupParent = this.options.cgroupParent;
      const c = await this.docker.createContainer(body);
      return c.id;
    } catch (err) {
      const f = dockerFailure(err);
      if (isUnavailable(f)) throw new RuntimeUnavailableError(this.endpoint, `${f.code}: ${f.message}`);
      if (f.statusCode === 404) throw new ImageNotPresentError(spec.image);
      throw new CreateContainerError(`failed to create container ${spec.name}: ${f.message}`);
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      const f = dockerFailure(err);
      if (f.statusCode === 304) return; // already running
      if (f.statusCode === 400 || f.statusCode === 500) {
        throw new StartContainerError(`failed to start container ${id}: ${f.message}`);
      }
      throw toRuntimeError(err, this.endpoint, id);
    }
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    // Docker's `t` is exactly kubelet's grace: SIGTERM (or the image's StopSignal), SIGKILL after t s.
    const t = Math.max(0, Math.ceil(graceSeconds));
    try {
      await this.docker.getContainer(id).stop({ t });
    } catch (err) {
      if (dockerFailure(err).statusCode === 304) return; // already stopped
      throw toRuntimeError(err, this.endpoint, id);
    }
  }

  async removeContainer(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.call(() => this.docker.getContainer(id).remove({ force: !!opts.force, v: true }), id);
  }

  async inspectContainer(id: string): Promise<RuntimeContainer> {
    return containerFromInspect(await this.call(() => this.docker.getContainer(id).inspect(), id));
  }

  async logs(id: string, opts: LogOptions = {}): Promise<LogStream> {
    const c = this.docker.getContainer(id);
    const info = await this.call(() => c.inspect(), id);
    const base: ContainerLogsOptions = { stdout: true, stderr: true, timestamps: !!opts.timestamps };
    if (opts.tailLines !== undefined) base.tail = opts.tailLines; // absent: the whole log
    if (opts.sinceSeconds) base.since = Math.floor(Date.now() / 1000) - opts.sinceSeconds;
    const src = opts.follow
      ? await this.call(() => c.logs({ ...base, follow: true }), id)
      : bufferStream(await this.call(() => c.logs({ ...base, follow: false }), id));
    return demuxed(this.docker, src, info.Config.Tty);
  }

  async exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    const c = this.docker.getContainer(id);
    const ex = await this.call(
      () => c.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false }),
      id,
    );
    const deadline = Date.now() + timeoutMs;
    const raw = (await this.call(() => ex.start({ hijack: true, stdin: false }), id)) as Readable;
    const { stream, stop } = demuxed(this.docker, raw, false);
    const out = collect(stream, this.options.execOutputCapBytes);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    });
    try {
      if ((await Promise.race([out.done.then(() => 'done' as const), timedOut])) === 'timeout') {
        stop();
        throw new ExecTimeoutError(id, timeoutMs);
      }
      // The stream can end a moment before the daemon records the exit code.
      for (;;) {
        const st = await this.call(() => ex.inspect(), id);
        if (!st.Running && st.ExitCode !== null) return { exitCode: st.ExitCode, output: out.text() };
        if (Date.now() >= deadline) throw new ExecTimeoutError(id, timeoutMs);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async containerStats(id: string): Promise<ContainerStats> {
    // one-shot: no second sample inside the daemon (a plain non-stream call waits ~1 s for it).
    const s = (await this.call(
      () => this.docker.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false }),
      id,
    )) as unknown as DockerStats;
    const mem = s.memory_stats ?? {};
    const inactive = mem.stats?.inactive_file ?? mem.stats?.total_inactive_file ?? 0;
    return {
      cpuTotalNs: s.cpu_stats?.cpu_usage?.total_usage ?? 0,
      memoryBytes: Math.max(0, (mem.usage ?? 0) - inactive),
    };
  }

  execStream(id: string, opts: ExecStreamOptions): Promise<ExecSession> {
    return this.call(() => dockerExecStream(this.docker, id, opts), id);
  }

  async containerIP(id: string): Promise<string | undefined> {
    const info = await this.call(() => this.docker.getContainer(id).inspect(), id);
    if (info.HostConfig.NetworkMode === 'host') return undefined;
    // A pod's container in its sandbox's network namespace has the sandbox's address.
    const joined = /^container:(.+)$/.exec(info.HostConfig.NetworkMode ?? '');
    if (joined) return this.containerIP(joined[1]);
    return containerIPFromInspect(info);
  }
}
