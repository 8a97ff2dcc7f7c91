// DefaultTolerationSeconds admission (Kubernetes plugin of that name): a pod that does not
// already tolerate the node-health NoExecute taints gets tolerations for them with
// tolerationSeconds 300, so it is evicted 5 minutes after its node goes not-ready or
// unreachable. DaemonSet pods arrive with these tolerations already (without seconds, from
// their controller), so they are left alone and tolerate forever.

import type { Pod, Toleration } from '../../../shared/api/types.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from '../../../shared/protocol/constants.js';

/** Seconds a pod stays bound to a not-ready / unreachable node (kube-apiserver default 300 s). */
export const DEFAULT_NOT_READY_TOLERATION_SECONDS = 300;
export const DEFAULT_UNREACHABLE_TOLERATION_SECONDS = 300;

const DEFAULTS: readonly [string, number][] = [
  [TAINT_NOT_READY, DEFAULT_NOT_READY_TOLERATION_SECONDS],
  [TAINT_UNREACHABLE, DEFAULT_UNREACHABLE_TOLERATION_SECONDS],
];

/** Adds the default NoExecute tolerations in place (pod create). */
export function addDefaultTolerations(pod: Pod): void {
  const have = pod.spec.tolerations ?? [];
  const add: Toleration[] = [];
  for (const [key, seconds] of DEFAULTS) {
    // Upstream's test, deliberately looser than toleration matching: any toleration naming this
    // key (or no key) for NoExecute (or every effect) means the user chose; leave it be.
    if (have.some((t) => (!t.key || t.key === key) && (!t.effect || t.effect === 'NoExecute'))) continue;
    add.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  if (add.length) pod.spec.tolerations = [...have, ...add];
}
