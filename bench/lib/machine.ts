// The machine a result was measured on: every result file carries it.

import { cpus, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpus: number;
  model: string;
  memoryBytes: number;
  node: string;
  platform: string;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpus: c.length,
    model: c[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    kernel: release(),
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cpus} x ${m.model}, ${Math.round(m.memoryBytes / 2 ** 30)} GiB, Node ${m.node}, ${m.platform} ${m.kernel}`;
}
