// The simulated machine a hollow node reports: a fixed board instead of this one. Only the facts
// are simulated; the report itself (conditions, transitions, shape) is the agent's StatusBuilder.

import { randomUUID } from 'node:crypto';
import { computeResources } from '../../agent/capacity.js';
import type { RuntimeProbe } from '../../agent/node-info.js';
import type { MachineFacts } from '../../agent/status.js';
import type { NodeAddress, NodeSystemInfo } from '../../shared/api/types.js';
import { DROVER_VERSION } from '../../shared/protocol/constants.js';
import type { HollowProfile } from './profile.js';

/** A Raspberry Pi 4 class board: 4 cores, 4 GiB, 32 GB card. */
export const HOLLOW_MACHINE = { cpuCount: 4, memoryBytes: 4 * 2 ** 30, storageBytes: 32 * 10 ** 9 };

const HOLLOW_RUNTIME: RuntimeProbe = {
  version: 'hollow://1.0',
  ready: true,
  reason: 'RuntimeReady',
  message: 'hollow runtime (simulated)',
};

/** Facts for one hollow node; computed once (a fleet builds thousands of reports a second). */
export function hollowFacts(p: HollowProfile): MachineFacts {
  const bootID = randomUUID();
  const resources = computeResources(HOLLOW_MACHINE);
  const addresses: NodeAddress[] = [{ type: 'Hostname', address: p.name }];
  const info: NodeSystemInfo = {
    machineID: `hollow-${p.index}`,
    systemUUID: `hollow-${p.index}`,
    bootID,
    kernelVersion: '6.1.0-hollow',
    osImage: 'Hollow Linux (drover fleet simulator)',
    containerRuntimeVersion: HOLLOW_RUNTIME.version ?? '',
    kubeletVersion: DROVER_VERSION,
    kubeProxyVersion: '',
    operatingSystem: 'linux',
    architecture: p.arch,
  };
  return {
    probeRuntime: async () => HOLLOW_RUNTIME,
    resources: async () => resources,
    nodeInfo: async () => info,
    usage: async () => undefined,
    bootId: async () => bootID,
    addresses: () => addresses,
    images: async () => [],
  };
}
