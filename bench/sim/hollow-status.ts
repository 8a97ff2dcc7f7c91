// The status a hollow node reports: the same report shape and conditions as the agent's
// StatusBuilder (agent/status.ts), but from a fixed, simulated machine instead of measuring
// this one (StatusBuilder reads the local machine directly; see the refactor note in the report).

import { computeResources } from '../../agent/capacity.js';
import type { NodeCondition, Pod, PodStatus } from '../../shared/api/types.js';
import { DROVER_VERSION } from '../../shared/protocol/constants.js';
import type { NodeStatusReport } from '../../shared/protocol/messages.js';
import { computePodStatus } from '../../agent/pods/status.js';
import type { HollowProfile } from './profile.js';

/** A Raspberry Pi 4 class board: 4 cores, 4 GiB, 32 GB card. */
export const HOLLOW_MACHINE = { cpuCount: 4, memoryBytes: 4 * 2 ** 30, storageBytes: 32 * 10 ** 9 };

export function hollowStatus(p: HollowProfile, bootID: string, since: string): NodeStatusReport {
  const { capacity, allocatable } = computeResources(HOLLOW_MACHINE);
  const now = new Date().toISOString();
  const cond = (
    type: string,
    status: NodeCondition['status'],
    reason: string,
    message: string,
  ): NodeCondition => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: since,
  });
  return {
    v: 1,
    nodeName: p.name,
    bootID,
    labels: p.labels,
    capacity,
    allocatable,
    conditions: [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'agent has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'agent has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'agent has sufficient PID available'),
      cond('Ready', 'True', 'KubeletReady', 'drover agent is posting ready status'),
      cond('RuntimeReady', 'True', 'RuntimeReady', 'hollow runtime (simulated)'),
    ],
    addresses: [{ type: 'Hostname', address: p.name }],
    nodeInfo: {
      machineID: `hollow-${p.index}`,
      systemUUID: `hollow-${p.index}`,
      bootID,
      kernelVersion: '6.1.0-hollow',
      osImage: 'Hollow Linux (drover fleet simulator)',
      containerRuntimeVersion: 'hollow://1.0',
      kubeletVersion: DROVER_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: p.arch,
    },
  };
}

/** A pod's status once its (simulated) containers run: the agent's own computePodStatus. */
export function runningPodStatus(pod: Pod, startedAt: string, previous?: PodStatus): PodStatus {
  return computePodStatus({
    pod,
    now: Date.now(),
    previous,
    hostIP: '10.0.0.1',
    containers: pod.spec.containers.map((spec, i) => ({
      spec,
      ready: true,
      started: true,
      latest: {
        id: `hollow-${pod.metadata.uid ?? pod.metadata.name}-${i}`,
        name: spec.name,
        labels: {},
        state: 'running',
        exitCode: 0,
        startedAt,
        createdAt: startedAt,
        image: spec.image ?? '',
        imageID: `sha256:hollow-${spec.image ?? ''}`,
        oomKilled: false,
      },
    })),
  });
}
