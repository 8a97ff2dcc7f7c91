// The pure mapping from a Kubernetes pod + container to a runtime ContainerSpec (kubelet's
// generateContainerConfig). No I/O: ConfigMap/Secret refs are resolved by the caller (env.ts),
// volume content is written by volumes.ts.
import { isAbsolute, join, normalize } from 'node:path';
import { parseBytes, parseCpuMillis } from '../../shared/api/quantity.js';
import type { Container, Pod } from '../../shared/api/types.js';
import {
  DEFAULT_LOG_MAX_FILES,
  DEFAULT_LOG_MAX_SIZE_BYTES,
  MIN_CPU_LIMIT_MILLIS,
  MIN_CPU_SHARES,
} from './defaults.js';
import { CreateContainerConfigError } from './errors.js';
import { expand } from './expand.js';
import { containerLabels, containerName } from './labels.js';
import type { ContainerSpec, Mount, NetworkMode, PortMapping } from './runtime.js';
import { volumeHostPath, volumeKind } from './volume-paths.js';

export interface ContainerSpecInput {
  node: string;
  pod: Pod;
  container: Container;
  /** 0 for the first start, +1 per restart. */
  attempt: number;
  /** Resolved environment (env.ts resolveEnv). */
  env: Record<string, string>;
  /** The pod's directory on the host; volumes live under `<podDir>/volumes/`. */
  podDir: string;
  /** Overrides the pod's network (e.g. `container:<sandbox id>` to share one network namespace). */
  networkMode?: NetworkMode;
  logMaxSizeBytes?: number;
  logMaxFiles?: number;
}

function nonEmpty(a: string[] | undefined): a is string[] {
  return Array.isArray(a) && a.length > 0;
}

function ports(c: Container): PortMapping[] {
  return (c.ports ?? []).map((p) => {
    const m: PortMapping = {
      containerPort: p.containerPort,
      protocol: (p.protocol ?? 'TCP').toLowerCase() as PortMapping['protocol'],
    };
    if (p.hostPort) {
      m.hostPort = p.hostPort;
      m.hostIP = p.hostIP || '0.0.0.0';
    }
    return m;
  });
}

function mounts(pod: Pod, c: Container, podDir: string): Mount[] {
  return (c.volumeMounts ?? []).map((vm) => {
    const vol = (pod.spec.volumes ?? []).find((v) => v.name === vm.name);
    if (!vol)
      throw new CreateContainerConfigError(`volume "${vm.name}" of container "${c.name}" is not defined`);
    let hostPath = volumeHostPath(podDir, vol);
    if (!hostPath) throw new CreateContainerConfigError(`volume "${vm.name}" has an unsupported type`);
    if (!isAbsolute(vm.mountPath))
      throw new CreateContainerConfigError(`mountPath "${vm.mountPath}" must be absolute`);
    if (vm.subPath) {
      const sub = normalize(vm.subPath);
      if (isAbsolute(sub) || sub === '..' || sub.startsWith('../')) {
        throw new CreateContainerConfigError(`subPath "${vm.subPath}" must be a relative path without ".."`);
      }
      hostPath = join(hostPath, sub);
    }
    const kind = volumeKind(vol);
    // configMap and secret volumes are always read-only, as in Kubernetes.
    const readOnly = !!vm.readOnly || kind === 'configmap' || kind === 'secret';
    return { hostPath, containerPath: vm.mountPath, readOnly };
  });
}

function quantity(c: Container, which: 'limits' | 'requests', res: string): string | undefined {
  return c.resources?.[which]?.[res];
}

function resources(c: Container): Pick<ContainerSpec, 'nanoCpus' | 'cpuShares' | 'memoryBytes'> {
  const out: Pick<ContainerSpec, 'nanoCpus' | 'cpuShares' | 'memoryBytes'> = {};
  const parse = (q: string | undefined, f: (s: string) => number, what: string) => {
    if (q === undefined) return undefined;
    let v: number;
    try {
      v = f(q);
    } catch {
      throw new CreateContainerConfigError(`invalid ${what} quantity "${q}"`);
    }
    if (v < 0) throw new CreateContainerConfigError(`invalid ${what} quantity "${q}"`);
    return v;
  };
  const cpuLimit = parse(quantity(c, 'limits', 'cpu'), parseCpuMillis, 'cpu');
  // Kubernetes defaults the request to the limit when only the limit is given.
  const cpuRequest = parse(
    quantity(c, 'requests', 'cpu') ?? quantity(c, 'limits', 'cpu'),
    parseCpuMillis,
    'cpu',
  );
  const mem = parse(quantity(c, 'limits', 'memory'), parseBytes, 'memory');
  if (cpuLimit !== undefined && cpuLimit > 0) out.nanoCpus = Math.max(cpuLimit, MIN_CPU_LIMIT_MILLIS) * 1e6;
  if (cpuRequest !== undefined && cpuRequest > 0) {
    out.cpuShares = Math.max(MIN_CPU_SHARES, Math.floor((cpuRequest * 1024) / 1000));
  }
  if (mem !== undefined && mem > 0) out.memoryBytes = mem;
  return out;
}

/** Kubernetes truncates the pod hostname to 63 characters without a trailing `-` or `.`. */
function hostname(pod: Pod): string | undefined {
  const name = pod.metadata.name;
  return name ? name.slice(0, 63).replace(/[-.]+$/, '') : undefined;
}

export function buildContainerSpec(input: ContainerSpecInput): ContainerSpec {
  const { pod, container: c, env } = input;
  if (!c.image) throw new CreateContainerConfigError(`container "${c.name}" has no image`);
  const identity = {
    node: input.node,
    namespace: pod.metadata.namespace ?? 'default',
    pod: pod.metadata.name ?? '',
    podUID: pod.metadata.uid ?? '',
    container: c.name,
    attempt: input.attempt,
  };
  const hostNetwork = !!pod.spec.hostNetwork;
  const spec: ContainerSpec = {
    name: containerName(identity),
    image: c.image,
    labels: containerLabels(identity, c),
    env: { ...env },
    ports: ports(c),
    mounts: mounts(pod, c, input.podDir),
    ...resources(c),
    networkMode: input.networkMode ?? (hostNetwork ? 'host' : 'bridge'),
    tty: !!c.tty,
    stdin: !!c.stdin,
    logMaxSizeBytes: input.logMaxSizeBytes ?? DEFAULT_LOG_MAX_SIZE_BYTES,
    logMaxFiles: input.logMaxFiles ?? DEFAULT_LOG_MAX_FILES,
  };
  // command replaces ENTRYPOINT (and drops the image's CMD); args alone replaces CMD only.
  if (nonEmpty(c.command)) {
    spec.entrypoint = c.command.map((s) => expand(s, env));
    spec.cmd = (c.args ?? []).map((s) => expand(s, env));
  } else if (nonEmpty(c.args)) {
    spec.cmd = c.args.map((s) => expand(s, env));
  }
  if (c.workingDir) spec.workingDir = c.workingDir;
  if (!hostNetwork && !spec.networkMode.startsWith('container:')) {
    const h = hostname(pod);
    if (h) spec.hostname = h;
  }
  return spec;
}
