// Tolerations every DaemonSet pod gets (k8s daemon util AddOrUpdateDaemonPodTolerations): a
// daemon belongs on its node whatever the node's health, so the node-health NoExecute taints
// are tolerated forever (no tolerationSeconds) and the pressure/unschedulable NoSchedule
// taints do not keep it off.

import type { PodSpec, Toleration } from '../../../shared/api/types.js';
import {
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
} from '../../../shared/protocol/constants.js';

export const DAEMON_TOLERATIONS: readonly Toleration[] = [
  { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute' },
  { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: TAINT_UNSCHEDULABLE, operator: 'Exists', effect: 'NoSchedule' },
];

/** Only hostNetwork daemons tolerate a node without a network (upstream). */
const NETWORK_UNAVAILABLE: Toleration = {
  key: 'node.kubernetes.io/network-unavailable',
  operator: 'Exists',
  effect: 'NoSchedule',
};

/** spec's tolerations plus the daemon ones, each replacing a user toleration of the same key and effect. */
export function withDaemonTolerations(spec: PodSpec): Toleration[] {
  const add = spec.hostNetwork ? [...DAEMON_TOLERATIONS, NETWORK_UNAVAILABLE] : DAEMON_TOLERATIONS;
  const same = (a: Toleration, b: Toleration) => a.key === b.key && a.effect === b.effect;
  return [...(spec.tolerations ?? []).filter((t) => !add.some((d) => same(d, t))), ...add];
}
