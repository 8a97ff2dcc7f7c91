// ContainerSpec -> Docker Engine create body (POST /containers/create). Pure.
import type { ContainerCreateOptions } from 'dockerode';
import type { ContainerSpec } from './runtime.js';

function portKey(p: { containerPort: number; protocol: string }): string {
  return `${p.containerPort}/${p.protocol}`;
}

export function toDockerCreateBody(spec: ContainerSpec): ContainerCreateOptions {
  // Publishing ports only works on the container's own bridge network namespace.
  const publish = spec.networkMode === 'bridge';
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  if (publish) {
    for (const p of spec.ports) {
      exposed[portKey(p)] = {};
      if (p.hostPort) {
        const list = bindings[portKey(p)] ?? [];
        list.push({ HostIp: p.hostIP ?? '0.0.0.0', HostPort: String(p.hostPort) });
        bindings[portKey(p)] = list;
      }
    }
  }
  const body: ContainerCreateOptions = {
    name: spec.name,
    Image: spec.image,
    Labels: { ...spec.labels },
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Tty: spec.tty,
    OpenStdin: spec.stdin,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: {
      Binds: spec.mounts.map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`),
      PortBindings: bindings,
      NetworkMode: spec.networkMode,
      // The agent restarts containers itself (restartPolicy, CrashLoopBackOff), as kubelet does.
      RestartPolicy: { Name: 'no' },
      LogConfig: {
        Type: 'json-file',
        Config: { 'max-size': String(spec.logMaxSizeBytes), 'max-file': String(spec.logMaxFiles) },
      },
    },
  };
  if (publish) body.ExposedPorts = exposed;
  if (spec.entrypoint) body.Entrypoint = spec.entrypoint;
  if (spec.cmd) body.Cmd = spec.cmd;
  if (spec.workingDir) body.WorkingDir = spec.workingDir;
  if (spec.hostname) body.Hostname = spec.hostname;
  const hc = body.HostConfig!;
  if (spec.ipcMode) hc.IpcMode = spec.ipcMode;
  if (spec.dns) {
    hc.Dns = spec.dns.nameservers;
    hc.DnsSearch = spec.dns.searches;
    hc.DnsOptions = spec.dns.options;
  }
  if (spec.nanoCpus !== undefined) hc.NanoCpus = spec.nanoCpus;
  if (spec.cpuShares !== undefined) hc.CpuShares = spec.cpuShares;
  if (spec.memoryBytes !== undefined) hc.Memory = spec.memoryBytes;
  return body;
}
