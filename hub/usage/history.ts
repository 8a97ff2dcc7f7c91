// Usage history per board for the dashboard's board page (issue #12): the CPU and memory an
// agent reports with its status (every status interval, 60 s by default, and on change) kept
// in a fixed ring per node in the hub's memory, never in the store: a write per board per
// report would be the store traffic heartbeats are kept out of (leases.ts). Lost on a hub
// restart by design: a view of the last hour, not a record (metrics-server keeps none either).

import type { UsageSample } from '../../shared/api/usage.js';

/** Samples kept per node: an hour at the agents' 60 s status interval. */
export const DEFAULT_USAGE_HISTORY_SAMPLES = 60;

export interface ReportedUsage {
  cpuPercent?: number;
  memoryBytes?: number;
}

/** Fixed arrays per node: 12 bytes a sample, 720 bytes per board at the default, allocated once. */
class Ring {
  readonly seconds: Uint32Array;
  readonly cpu: Float32Array;
  readonly memory: Float32Array;
  next = 0;
  size = 0;

  constructor(readonly capacity: number) {
    this.seconds = new Uint32Array(capacity);
    this.cpu = new Float32Array(capacity);
    this.memory = new Float32Array(capacity);
  }

  push(atMs: number, u: ReportedUsage): void {
    this.seconds[this.next] = Math.floor(atMs / 1000);
    this.cpu[this.next] = u.cpuPercent ?? Number.NaN;
    this.memory[this.next] = u.memoryBytes ?? Number.NaN;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Oldest first. */
  samples(): UsageSample[] {
    const out: UsageSample[] = [];
    for (let i = 0; i < this.size; i++) {
      const j = (this.next - this.size + i + this.capacity) % this.capacity;
      const cpu = this.cpu[j];
      const memory = this.memory[j];
      out.push({
        time: new Date(this.seconds[j] * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        // Float32 keeps ~7 digits: one decimal of a percent, memory to a few hundred bytes.
        ...(Number.isNaN(cpu) ? {} : { cpuPercent: Math.round(cpu * 10) / 10 }),
        ...(Number.isNaN(memory) ? {} : { memoryBytes: Math.round(memory) }),
      });
    }
    return out;
  }
}

export class UsageHistory {
  private readonly rings = new Map<string, Ring>();

  constructor(readonly samplesPerNode = DEFAULT_USAGE_HISTORY_SAMPLES) {}

  /** A report's usage, already admitted by the node restriction gate. */
  record(node: string, atMs: number, u: ReportedUsage | undefined): void {
    if (!u || (u.cpuPercent === undefined && u.memoryBytes === undefined)) return;
    let r = this.rings.get(node);
    if (!r) {
      r = new Ring(this.samplesPerNode);
      this.rings.set(node, r);
    }
    r.push(atMs, u);
  }

  samples(node: string): UsageSample[] {
    return this.rings.get(node)?.samples() ?? [];
  }

  /** The Node is gone: so is its history (the table holds only nodes that exist). */
  forget(node: string): void {
    this.rings.delete(node);
  }

  nodes(): number {
    return this.rings.size;
  }
}
