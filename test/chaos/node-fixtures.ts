// What the chaos cases share about their node: a busybox sleep pod bound to it, and its
// containers as the dockerd sees them (counted and removed by the node label).

import type { Pod } from '../../shared/api/types.js';
import { IMAGE } from '../e2e/pods-harness.js';

export { containersOf, removeContainersOf } from '../e2e/pods-harness.js';

/**
 * Per-process suffix for node and namespace names: the chaos files of several engineers' runs
 * share one dockerd and one kernel, and a fixed name would make one run's containers ghosts of
 * another's (or recreate its network namespace under it).
 */
export const RUN_ID = (process.pid % 46_656).toString(36).padStart(3, '0');

/** A /30 of 10.232.0.0/16 for this process: host side .1, namespace side .2 of the block. */
export function runSubnet(): { hostAddr: string; nsAddr: string; prefix: number } {
  const base = (process.pid % 16_384) * 4;
  const addr = (n: number) => `10.232.${n >> 8}.${n & 255}`;
  return { hostAddr: addr(base + 1), nsAddr: addr(base + 2), prefix: 30 };
}

export function sleepPod(name: string, node: string, labels: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: IMAGE, imagePullPolicy: 'Never', command: ['sleep', '86400'] }],
    },
  };
}
