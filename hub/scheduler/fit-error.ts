// Why a pod fits no node, in kube-scheduler's words: each reason counted over the nodes that
// gave it, "<count> <reason>" strings sorted as strings, e.g.
// `0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu.`
// (Kubernetes appends a "preemption: ..." part; Drover does not preempt, so there is none.)

export class FitError extends Error {
  override name = 'FitError';
  constructor(
    readonly numAllNodes: number,
    /** reason -> number of nodes that reported it */
    readonly reasonCounts: ReadonlyMap<string, number>,
  ) {
    super(fitErrorMessage(numAllNodes, reasonCounts));
  }
}

/** No nodes at all (k8s ErrNoNodesAvailable). */
export class NoNodesAvailableError extends Error {
  override name = 'NoNodesAvailableError';
  constructor() {
    super('no nodes available to schedule pods');
  }
}

export function fitErrorMessage(numAllNodes: number, reasonCounts: ReadonlyMap<string, number>): string {
  const parts = [...reasonCounts].map(([reason, n]) => `${n} ${reason}`).sort();
  let msg = `0/${numAllNodes} nodes are available:`;
  if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  return msg;
}
