// The latest usage report of every board, in memory (metrics-server keeps its scrape the same
// way): the metrics API reads it, nothing is written to the store. A report older than
// METRICS_STALE_MS is not served (the board stopped reporting).

import { METRICS_STALE_MS } from '../../shared/protocol/constants.js';
import type { Pod } from '../../shared/api/types.js';
import type { MetricsReport, PodUsage } from '../../shared/protocol/messages.js';

export interface NodeUsage {
  report: MetricsReport;
  /** When the hub received it, ms since epoch. */
  receivedAt: number;
}

export class UsageStore {
  private readonly byNode = new Map<string, NodeUsage>();

  constructor(private readonly now: () => number = Date.now) {}

  set(node: string, report: MetricsReport): void {
    this.byNode.set(node, { report, receivedAt: this.now() });
  }

  /** The node's fresh report, if any. */
  get(node: string): NodeUsage | undefined {
    const u = this.byNode.get(node);
    if (!u) return undefined;
    if (this.now() - u.receivedAt > METRICS_STALE_MS) {
      this.byNode.delete(node);
      return undefined;
    }
    return u;
  }

  /**
   * The pod's latest sample, taken only from the node the pod (same uid) is bound to: a board
   * speaks for its own pods (the node authorizer's rule, applied where usage is read).
   */
  podSample(p: Pod): { report: MetricsReport; usage: PodUsage } | undefined {
    const u = this.get(p.spec.nodeName ?? '');
    const usage = u?.report.pods.find((x) => x.uid === p.metadata.uid);
    return u && usage ? { report: u.report, usage } : undefined;
  }

  nodes(): string[] {
    return [...this.byNode.keys()].filter((n) => this.get(n) !== undefined);
  }

  /** A node deleted or gone: forget its usage. */
  forget(node: string): void {
    this.byNode.delete(node);
  }
}
