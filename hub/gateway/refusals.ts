// What the hub does with a refused report: counts it (drover_gateway_reports_refused_total by
// kind), logs it, and tells the node's owners with a Warning event on the Node, at most once
// per node and kind per interval so a lying board cannot turn refusals into an event flood.

import type { Counter } from '../metrics.js';
import type { EventRecorder } from '../events/recorder.js';
import type { Logger } from '../../shared/log.js';
import type { ReportRefusedError } from './restriction/errors.js';

/** Least time between two ReportRefused events for one node and kind, ms. */
export const REFUSAL_EVENT_INTERVAL_MS = 60_000;
/** Most (node, kind) pairs remembered for the interval; the oldest are forgotten. */
const MAX_REMEMBERED = 10_000;

export class RefusalReporter {
  private readonly lastEvent = new Map<string, number>();

  constructor(
    private readonly recorder: EventRecorder,
    private readonly counter: Counter | undefined,
    private readonly log: Logger,
    private readonly intervalMs = REFUSAL_EVENT_INTERVAL_MS,
  ) {}

  async refused(node: string, e: ReportRefusedError, nowMs = Date.now()): Promise<void> {
    this.counter?.inc({ kind: e.kind });
    this.log.warn('report refused', { node, error: e });
    const key = `${node}\u0000${e.kind}`;
    const last = this.lastEvent.get(key);
    if (last !== undefined && nowMs - last < this.intervalMs) return;
    this.lastEvent.delete(key);
    this.lastEvent.set(key, nowMs);
    if (this.lastEvent.size > MAX_REMEMBERED)
      this.lastEvent.delete(this.lastEvent.keys().next().value as string);
    await this.recorder.record(
      { apiVersion: 'v1', kind: 'Node', metadata: { name: node } },
      'Warning',
      'ReportRefused',
      e.message.slice(0, 1024),
      node,
    );
  }
}
