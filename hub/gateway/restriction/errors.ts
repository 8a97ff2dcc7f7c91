// Why the hub did not take what a board reported. One class per failure mode; the gateway
// counts each and tells the node's owners with a rate-limited Warning event.

import type { StatusCause } from '../../../shared/api/types.js';

export type ReportKind = 'node status' | 'pod status' | 'event';

/** The report breaks a rule of what a node may write: refused whole, nothing stored. */
export class ReportRefusedError extends Error {
  override name = 'ReportRefusedError';
  constructor(
    readonly kind: ReportKind,
    readonly causes: StatusCause[],
  ) {
    super(
      `${kind} refused: ${causes
        .slice(0, 3)
        .map((c) => `${c.field}: ${c.message}`)
        .join('; ')}${causes.length > 3 ? ` (and ${causes.length - 3} more)` : ''}`,
    );
  }
}

/** The node sent more events than its token bucket allows (EventRateLimit admission). */
export class EventRateLimitedError extends Error {
  override name = 'EventRateLimitedError';
  constructor(readonly node: string) {
    super(`events from node ${node} exceed its rate limit`);
  }
}
