// What the node is: architecture (GOARCH names, as images' platforms use), OS, kernel, OS image,
// boot/machine ids, container runtime version, addresses.

import { readFile } from 'node:fs/promises';
import { hostname, networkInterfaces, release } from 'node:os';
import type { NodeAddress, NodeSystemInfo } from '../shared/api/types.js';
import { DROVER_VERSION } from '../shared/protocol/constants.js';
import { tryReadKernelFile } from './kernel-file.js';

/** Node's process.arch -> Go's GOARCH (what `docker manifest` platforms and kubectl show). */
const GOARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le', // Node only runs little-endian ppc64 on Linux
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

export function goArch(nodeArch: string): string {
  return GOARCH[nodeArch] ?? nodeArch;
}

const GOOS: Record<string, string> = { win32: 'windows', sunos: 'solaris' };

export function goOs(platform: string): string {
  return GOOS[platform] ?? platform;
}

/** PRETTY_NAME from an /etc/os-release text; undefined when missing. */
export function parseOsRelease(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (m) return m[1].replace(/^(["'])(.*)\1$/, '$2');
  }
  return undefined;
}

async function readTrim(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export interface RuntimeProbe {
  /** `docker://24.0.7` when the runtime answered. */
  version?: string;
  ready: boolean;
  reason: string;
  message: string;
}

/** Asks the Docker (or Podman) socket for its version, with a short timeout. */
export async function probeRuntime(socketPath: string, timeoutMs = 2000): Promise<RuntimeProbe> {
  try {
    const { default: Docker } = await import('dockerode');
    const docker = new Docker({ socketPath, timeout: timeoutMs });
    const v = await Promise.race([
      docker.version(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
    return {
      version: `docker://${v.Version}`,
      ready: true,
      reason: 'RuntimeReady',
      message: `Docker ${v.Version} at ${socketPath}`,
    };
  } catch (e) {
    return {
      ready: false,
      reason: 'RuntimeUnreachable',
      message: `container runtime at ${socketPath} did not answer: ${(e as Error).message}`,
    };
  }
}

export async function collectNodeInfo(runtime: RuntimeProbe): Promise<NodeSystemInfo> {
  const osRelease = await readTrim('/etc/os-release');
  const machineID = (await readTrim('/etc/machine-id')) ?? '';
  return {
    machineID,
    systemUUID: tryReadKernelFile('/sys/class/dmi/id/product_uuid')?.trim() ?? machineID,
    bootID: await bootId(),
    kernelVersion: release(),
    osImage: (osRelease && parseOsRelease(osRelease)) ?? `${goOs(process.platform)} ${release()}`,
    containerRuntimeVersion: runtime.version ?? '',
    kubeletVersion: DROVER_VERSION,
    kubeProxyVersion: '',
    operatingSystem: goOs(process.platform),
    architecture: goArch(process.arch),
  };
}

let fallbackBootId: string | undefined;

/** Linux boot id; elsewhere a per-process stand-in so the field is never empty. */
export async function bootId(): Promise<string> {
  const id = tryReadKernelFile('/proc/sys/kernel/random/boot_id')?.trim();
  if (id) return id;
  fallbackBootId ??= `process-${process.pid}-${Date.now()}`;
  return fallbackBootId;
}

type Iface = { address: string; family: string | number; internal: boolean };

/** InternalIP = the configured node IP, else the first non-internal IPv4; plus Hostname. */
export function nodeAddresses(
  ifaces: Record<string, Iface[] | undefined> = networkInterfaces(),
  host = hostname(),
  nodeIp?: string,
): NodeAddress[] {
  const out: NodeAddress[] = nodeIp ? [{ type: 'InternalIP', address: nodeIp }] : [];
  for (const list of nodeIp ? [] : Object.values(ifaces)) {
    // family is 'IPv4' from Node 18.4, the number 4 before.
    const v4 = list?.find((i) => !i.internal && (i.family === 'IPv4' || i.family === 4));
    if (v4) {
      out.push({ type: 'InternalIP', address: v4.address });
      break;
    }
  }
  out.push({ type: 'Hostname', address: host });
  return out;
}
