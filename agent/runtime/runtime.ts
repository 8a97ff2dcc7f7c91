// The container runtime as the agent sees it (the kubelet's CRI side). Docker implements it in
// docker.ts; Podman (same socket API) or containerd could implement it later. Everything here
// is runtime-neutral: no Docker field names.
import type { Readable } from 'node:stream';

export interface RuntimeVersion {
  /** `docker`, `podman`, ... as in NodeSystemInfo.containerRuntimeVersion `docker://20.10.24`. */
  name: string;
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
}

export type ContainerStateName =
  | 'created'
  | 'running'
  | 'paused'
  | 'restarting'
  | 'removing'
  | 'exited'
  | 'dead';

export interface RuntimeContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: ContainerStateName;
  /** Meaningful when state is `exited`/`dead`. */
  exitCode: number;
  /** ISO time; undefined when never started. */
  startedAt?: string;
  /** ISO time; undefined when not finished. */
  finishedAt?: string;
  createdAt: string;
  /** The reference the container was created from, e.g. `busybox:1`. */
  image: string;
  /** The runtime's image id, e.g. `sha256:...`. */
  imageID: string;
  oomKilled: boolean;
  /** The runtime's own error for a container that failed to start. */
  error?: string;
  /** Bridge IP; undefined with host networking or when not running. */
  ipAddress?: string;
}

export interface RuntimeImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  /** Bytes. */
  size: number;
  architecture: string;
  os: string;
}

/** As NodeStatus.images wants it. */
export interface ImageSummary {
  names: string[];
  sizeBytes: number;
}

/** Registry credentials, as in a docker config.json `auths` entry. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** base64 `user:password`, alternative to username/password. */
  auth?: string;
  serveraddress?: string;
  identitytoken?: string;
}

export interface PullProgress {
  /** The runtime's status text: `Pulling fs layer`, `Downloading`, `Pull complete`, ... */
  status: string;
  /** Layer id when the event is about one layer. */
  layer?: string;
  /** Bytes downloaded so far, summed over the layers seen so far. */
  current?: number;
  /** Bytes to download, summed over the layers seen so far. */
  total?: number;
  /** 0..100, from current/total. */
  percent?: number;
}

export interface PullOptions {
  auth?: RegistryAuth;
}

export interface PortMapping {
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** Absent: exposed only, not published on the host. */
  hostPort?: number;
  /** Default 0.0.0.0. */
  hostIP?: string;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** `bridge` (default), `host`, or `container:<id>` to join another container's network (pod sandbox). */
export type NetworkMode = 'bridge' | 'host' | `container:${string}`;

/** What to create: a runtime-neutral container description (built by container-spec.ts). */
export interface ContainerSpec {
  name: string;
  image: string;
  labels: Record<string, string>;
  /** Replaces the image's entrypoint when set (Kubernetes `command`). */
  entrypoint?: string[];
  /** Replaces the image's cmd when set (Kubernetes `args`). */
  cmd?: string[];
  env: Record<string, string>;
  workingDir?: string;
  ports: PortMapping[];
  mounts: Mount[];
  /** CPU limit in nano-CPUs (1e9 = one CPU). */
  nanoCpus?: number;
  /** Relative CPU weight (Docker CpuShares, 1024 = one CPU requested). */
  cpuShares?: number;
  /** Memory limit in bytes. */
  memoryBytes?: number;
  networkMode: NetworkMode;
  /** `shareable` for a pod sandbox, `container:<id>` to join its IPC namespace; default the runtime's. */
  ipcMode?: 'shareable' | `container:${string}`;
  hostname?: string;
  /** resolv.conf of a pod's sandbox (Docker Dns, DnsSearch, DnsOptions); unset: the runtime's. */
  dns?: { nameservers: string[]; searches: string[]; options: string[] };
  tty: boolean;
  stdin: boolean;
  /** Log rotation: bytes per file and number of files kept. */
  logMaxSizeBytes: number;
  logMaxFiles: number;
}

export interface LogOptions {
  tailLines?: number;
  follow?: boolean;
  timestamps?: boolean;
  sinceSeconds?: number;
}

export interface LogStream {
  /** Demultiplexed text: stdout and stderr interleaved as they arrive. Ends when the log ends. */
  stream: Readable;
  /** Stop following (ends `stream`); safe to call more than once. */
  stop(): void;
}

export interface ExecResult {
  exitCode: number;
  /** stdout + stderr, truncated to the runtime's output cap. */
  output: string;
}

/** An interactive exec (kubectl exec): what to run and which streams to attach. */
export interface ExecStreamOptions {
  cmd: string[];
  stdin: boolean;
  /** With a TTY the process writes one stream (stdout); stderr is merged into it. */
  tty: boolean;
}

/** A running exec: its output streams, its input, and its exit code once it ends. */
export interface ExecSession {
  stdout: Readable;
  /** Ends at once with a TTY (the terminal carries both streams). */
  stderr: Readable;
  /** Bytes to the process' stdin (only when asked for). */
  write(data: Buffer): void;
  /** Closes stdin: the process reads end-of-file. */
  closeStdin(): void;
  /** Terminal size in characters (TTY only). */
  resize(width: number, height: number): Promise<void>;
  /** Resolves with the exit code once both output streams ended and the runtime recorded it. */
  exitCode(): Promise<number>;
  /** Detaches: the streams end; a process reading stdin reads end-of-file. */
  close(): void;
}

/** A container's cumulative CPU time and current working set (docker stats, one shot). */
export interface ContainerStats {
  /** CPU time used since the container started, ns. */
  cpuTotalNs: number;
  /** Memory in use minus inactive file cache (the kubelet's working set), bytes. */
  memoryBytes: number;
}

export interface LabelFilter {
  /** Every pair must match; a value of `undefined` only requires the key. */
  [key: string]: string | undefined;
}

/** What the runtime's list tells without inspecting each container. */
export interface ContainerSummary {
  id: string;
  state: ContainerStateName;
  labels: Record<string, string>;
}

/** A change to a container, as the runtime's event stream tells it. */
export interface ContainerEvent {
  id: string;
  action: 'create' | 'start' | 'die' | 'oom' | 'destroy' | 'pause' | 'unpause';
  /** When the runtime recorded it, ms since epoch. */
  time: number;
  /** The container's labels (every event carries them). */
  labels: Record<string, string>;
  /** Container name (without the leading `/`) and image reference. */
  name?: string;
  image?: string;
  /** `die` only. */
  exitCode?: number;
}

export interface EventHandlers {
  /** The stream is open: events from now on are delivered (list after this, not before). */
  onOpen(): void;
  onEvent(ev: ContainerEvent): void;
  /** The stream ended or failed; no more events until watched again. */
  onClose(err?: Error): void;
}

export interface EventWatch {
  /** Ends the stream; onClose is not called after stop(). */
  stop(): void;
}

export interface Runtime {
  version(): Promise<RuntimeVersion>;
  /** All containers (running or not) carrying every label in `labels`, inspected. */
  listContainers(labels: LabelFilter): Promise<RuntimeContainer[]>;
  /** Ids, states and labels only: one call whatever the count (kubelet's relist). */
  listContainerSummaries(labels: LabelFilter): Promise<ContainerSummary[]>;
  /** Follows container lifecycle events of containers carrying every label in `labels`. */
  watchContainers(labels: LabelFilter, handlers: EventHandlers): EventWatch;
  /** Resolves with the pulled image; rejects with ImagePullError. */
  pullImage(ref: string, opts?: PullOptions, onProgress?: (ev: PullProgress) => void): Promise<RuntimeImage>;
  imageExists(ref: string): Promise<boolean>;
  /** Makes image `ref` from a root filesystem tar with cmd as its command (the pause image). */
  importImage(ref: string, rootfsTar: Buffer, cmd: string[]): Promise<void>;
  /** Rejects with ImageNotPresentError when absent. */
  inspectImage(ref: string): Promise<RuntimeImage>;
  listImages(): Promise<ImageSummary[]>;
  /** Returns the new container id. Rejects with ImageNotPresentError or CreateContainerError. */
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after graceSeconds; resolves when stopped (also if already stopped). */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  removeContainer(id: string, opts?: { force?: boolean }): Promise<void>;
  inspectContainer(id: string): Promise<RuntimeContainer>;
  logs(id: string, opts?: LogOptions): Promise<LogStream>;
  /** Rejects with ExecTimeoutError after timeoutMs (the process may linger in the container). */
  exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult>;
  /** One sample of a running container's CPU and memory. */
  containerStats(id: string): Promise<ContainerStats>;
  /** Starts cmd in a running container with its streams attached (kubectl exec). */
  execStream(id: string, opts: ExecStreamOptions): Promise<ExecSession>;
  /** The container's IP on its network; undefined with host networking. */
  containerIP(id: string): Promise<string | undefined>;
}
