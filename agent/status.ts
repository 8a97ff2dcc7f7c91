// Builds the node status report and decides when it changed enough to send before the timer.
// The machine facts come from a MachineFacts source: this machine by default, a simulated one
// for the fleet simulator's hollow nodes (bench/sim), so both report through the same code.

import type { ContainerImage, NodeAddress, NodeCondition, NodeSystemInfo } from '../shared/api/types.js';
import type { NodeStatusReport } from '../shared/protocol/messages.js';
import { measureResources, type NodeResources } from './capacity.js';
import { sampleUsage, type Usage } from './usage.js';
import type { AgentConfig } from './config.js';
import { bootId, collectNodeInfo, nodeAddresses, probeRuntime, type RuntimeProbe } from './node-info.js';
import { type PressureCondition, PressureMonitor } from './pressure/monitor.js';
import { type Observations, observe } from './pressure/signals.js';
import type { Runtime } from './runtime/runtime.js';

/** How long a runtime probe result is reused, ms: the socket is not asked on every heartbeat. */
export const RUNTIME_PROBE_TTL_MS = 30_000;

/** Where the status report's facts come from. */
export interface MachineFacts {
  probeRuntime(): Promise<RuntimeProbe>;
  resources(): Promise<NodeResources>;
  nodeInfo(runtime: RuntimeProbe): Promise<NodeSystemInfo>;
  usage(): Promise<Usage | undefined>;
  bootId(): Promise<string>;
  addresses(): NodeAddress[];
  /** Memory, disk and PID pressure from the eviction signals; absent: never under pressure. */
  pressure?(): Promise<PressureCondition[]>;
  /** Observations made elsewhere (the eviction manager's rounds), counted by pressure() too. */
  observed?(obs: Observations, now: number): void;
  /** The runtime's images (node.status.images); reject or return [] when unknown. */
  images(): Promise<ContainerImage[]>;
}

/** This machine: its Docker socket, memory, data dir filesystem, /proc and interfaces. */
export function localMachineFacts(
  cfg: Pick<
    AgentConfig,
    'dockerSocket' | 'dataDir' | 'nodeIp' | 'evictionHard' | 'evictionPressureTransitionMs' | 'podsCgroup'
  >,
  runtime?: Pick<Runtime, 'listImages'>,
  imageFsPath?: () => Promise<string>,
): MachineFacts {
  const monitor = new PressureMonitor(cfg.evictionHard, cfg.evictionPressureTransitionMs);
  return {
    probeRuntime: () => probeRuntime(cfg.dockerSocket),
    resources: () => measureResources(cfg.dataDir),
    nodeInfo: (rt) => collectNodeInfo(rt),
    usage: () => sampleUsage(),
    bootId: () => bootId(),
    addresses: () => nodeAddresses(undefined, undefined, cfg.nodeIp),
    pressure: async () => {
      const images = await imageFsPath?.().catch(() => undefined);
      return monitor.evaluate(await observe(cfg.dataDir, images, cfg.podsCgroup || undefined), Date.now())
        .conditions;
    },
    observed: (obs, now) => {
      monitor.evaluate(obs, now);
    },
    images: async () => (runtime ? runtime.listImages() : []),
  };
}

export class StatusBuilder {
  private runtime?: { at: number; probe: RuntimeProbe };
  /** condition type -> [status, lastTransitionTime] */
  private readonly transitions = new Map<string, [string, string]>();

  constructor(
    private readonly cfg: AgentConfig,
    private readonly facts: MachineFacts = localMachineFacts(cfg),
  ) {}

  /** The runtime's state changed: the next report probes it again instead of using the cached probe. */
  forgetRuntimeProbe(): void {
    this.runtime = undefined;
  }

  async build(): Promise<NodeStatusReport> {
    const now = Date.now();
    if (!this.runtime || now - this.runtime.at > RUNTIME_PROBE_TTL_MS)
      this.runtime = { at: now, probe: await this.facts.probeRuntime() };
    const runtime = this.runtime.probe;
    const [res, nodeInfo, usage, boot, pressure] = await Promise.all([
      this.facts.resources(),
      this.facts.nodeInfo(runtime),
      this.facts.usage(),
      this.facts.bootId(),
      this.facts.pressure?.(),
    ]);
    const stamp = new Date(now).toISOString();
    // Ready means the agent is up and reporting; pods need the runtime too, said by RuntimeReady.
    const conditions: NodeCondition[] = [
      ...pressureConditions(pressure),
      cond('Ready', 'True', 'KubeletReady', 'drover agent is posting ready status'),
      cond('RuntimeReady', runtime.ready ? 'True' : 'False', runtime.reason, runtime.message),
    ].map((c) => ({
      ...c,
      lastHeartbeatTime: stamp,
      lastTransitionTime: this.transition(c.type, c.status, stamp),
    }));
    return {
      v: 1,
      nodeName: this.cfg.nodeName,
      bootID: boot,
      labels: this.cfg.labels,
      capacity: res.capacity,
      allocatable: res.allocatable,
      conditions,
      addresses: this.facts.addresses(),
      nodeInfo,
      ...(usage ? { usage } : {}),
    };
  }

  private transition(type: string, status: string, now: string): string {
    const prev = this.transitions.get(type);
    if (prev && prev[0] === status) return prev[1];
    this.transitions.set(type, [status, now]);
    return now;
  }
}

/** The three pressure conditions; False (as before measurement existed) when not measured. */
function pressureConditions(p: PressureCondition[] | undefined): NodeCondition[] {
  if (!p)
    return [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'agent has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'agent has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'agent has sufficient PID available'),
    ];
  return p.map((c) => cond(c.type, c.pressure ? 'True' : 'False', c.reason, c.message));
}

function cond(type: string, status: NodeCondition['status'], reason: string, message: string): NodeCondition {
  return { type, status, reason, message };
}

/** The parts of a report whose change is worth an immediate status (not usage, not timestamps). */
export function statusFingerprint(r: NodeStatusReport): string {
  return JSON.stringify({
    labels: r.labels,
    capacity: r.capacity,
    allocatable: r.allocatable,
    conditions: r.conditions.map((c) => [c.type, c.status, c.reason]),
    addresses: r.addresses,
    nodeInfo: r.nodeInfo,
    bootID: r.bootID,
  });
}
