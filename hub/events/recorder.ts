// Writes v1 Events through the API, as client-go's EventRecorder does: the event lives in
// the involved object's namespace ('default' for cluster-scoped objects such as Nodes), is
// named <object>.<unique hex>, and carries the reporting component. Similar events (differing
// only in message) are combined into one once there are many (EventAggregator), and an event
// seen lately bumps the existing Event's count instead (EventCorrelator); one source's events
// about one object past a burst are dropped (spam-filter.ts). Writing an event never fails the
// caller: errors are logged.

import type { ApiClient } from '../api/client.js';
import type { Event, KubeObject } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';
import { EventAggregator } from './aggregator.js';
import { EventCorrelator, similarEventKey } from './correlator.js';
import { EventSpamFilter, type SpamLimits } from './spam-filter.js';

export type EventType = 'Normal' | 'Warning';

/**
 * 24 random bits as 6 hex digits, after the time in the Event's name so two in one millisecond
 * differ. Not a secret: Math.random, not crypto's randomBytes (2.4 against 0.09 us a call
 * alone; under the recorder 1-2% of the hub's busy time placing a DaemonSet, a Scheduled event
 * per pod).
 */
function nameSuffix(): string {
  return Math.floor(Math.random() * 0x1000000)
    .toString(16)
    .padStart(6, '0');
}

export interface EventRecorderOptions {
  client: ApiClient;
  /** source.component / reportingComponent, e.g. 'node-controller'. */
  component: string;
  /** source.host, e.g. a node name for agent events. */
  host?: string;
  log: Logger;
  /**
   * The per source + object throttle (default: client-go's, 25 then 1 per 5 min); false: none,
   * for a recorder whose callers are limited already (the boards' events: the gateway's
   * per-node EventRateLimit bucket, which --agent-event-qps/--agent-event-burst set).
   */
  spamFilter?: SpamLimits | false;
}

export class EventRecorder {
  private readonly aggregator = new EventAggregator();
  private readonly correlator = new EventCorrelator();
  private readonly spam: EventSpamFilter | undefined;
  /** The last write of each lane of similar events: the next one waits for it. */
  private readonly lanes = new Map<string, Promise<void>>();

  constructor(private readonly opts: EventRecorderOptions) {
    this.spam = opts.spamFilter === false ? undefined : new EventSpamFilter(opts.spamFilter);
  }

  async record(
    obj: KubeObject,
    type: EventType,
    reason: string,
    message: string,
    host?: string,
  ): Promise<void> {
    const ns = obj.metadata.namespace ?? 'default';
    const name = obj.metadata.name ?? 'unknown';
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const h = host ?? this.opts.host;
    const reported: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${name}.${Date.now().toString(16)}${nameSuffix()}`,
        namespace: ns,
      },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name,
        ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
        ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
      },
      reason,
      message,
      type,
      source: { component: this.opts.component, ...(h ? { host: h } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.opts.component,
      reportingInstance: h ?? '',
    };
    // Dropped before its lane: a throttled event waits for no write.
    if (this.spam && !this.spam.allows(reported)) return;
    // Similar events are written one after another, as client-go's broadcaster hands events to
    // its sink one at a time: the aggregator and correlator decide on what the previous one
    // wrote, not on a write still in flight (two events seen together would both create, or
    // both bump the same count). Other lanes, other objects' events, go on in parallel.
    const lane = similarEventKey(reported);
    const run = (this.lanes.get(lane) ?? Promise.resolve()).then(() =>
      this.write(reported, ns, now, reason, name),
    );
    this.lanes.set(lane, run);
    await run;
    if (this.lanes.get(lane) === run) this.lanes.delete(lane);
  }

  /** Aggregates, correlates and writes one event; never throws (a failure is logged). */
  private async write(reported: Event, ns: string, now: string, reason: string, name: string): Promise<void> {
    try {
      const nowMs = Date.now();
      const { event: ev, key } = this.aggregator.aggregate(reported, EventCorrelator.key(reported), nowMs);
      const prev = this.correlator.previous(key, nowMs);
      if (prev) {
        try {
          // The Event written before, rebuilt from this one (the same key: the same source,
          // object, type, reason and message) and what the correlator kept of it; the API keeps
          // its uid and creationTimestamp.
          const bumped: Event = {
            ...ev,
            metadata: {
              ...ev.metadata,
              name: prev.name,
              ...(prev.resourceVersion !== undefined ? { resourceVersion: prev.resourceVersion } : {}),
            },
            count: prev.count + 1,
            ...(prev.firstTimestamp !== undefined ? { firstTimestamp: prev.firstTimestamp } : {}),
            lastTimestamp: now,
          };
          this.correlator.written(key, await this.opts.client.update<Event>('events', ns, bumped), nowMs);
          return;
        } catch {
          this.correlator.forget(key); // gone (TTL) or changed meanwhile: record it anew
        }
      }
      this.correlator.written(key, await this.opts.client.create<Event>('events', ns, ev), nowMs);
    } catch (e) {
      this.opts.log.warn('event not recorded', { reason, object: name, error: e as Error });
    }
  }
}
