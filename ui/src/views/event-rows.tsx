// Events newest first, as `kubectl get events` prints them.

import type { Event } from '../../../shared/api/types.js';
import { VirtualList } from '../components/virtual-list.js';
import { since } from '../lib/time.js';

const ROW_HEIGHT = 28;

export function lastSeen(e: Event): string {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '';
}

export function EventRows({ events, now }: { events: Event[]; now: number }) {
  if (!events.length) return <p class="muted">No events.</p>;
  // ISO timestamps sort as strings; code-unit order is enough and much cheaper than localeCompare.
  const sorted = [...events].sort((a, b) =>
    lastSeen(a) < lastSeen(b) ? 1 : lastSeen(a) > lastSeen(b) ? -1 : 0,
  );
  return (
    <div class="events">
      <div class="thead events-row">
        <span>Last seen</span>
        <span>Type</span>
        <span>Reason</span>
        <span>Object</span>
        <span>Message</span>
      </div>
      <VirtualList
        items={sorted}
        rowHeight={ROW_HEIGHT}
        testId="events"
        class="short"
        row={(e) => (
          <div class="events-row">
            <span>{since(lastSeen(e), now)}</span>
            <span class={`ev-${e.type}`}>{e.type}</span>
            <span>{e.reason}</span>
            <span>
              {e.involvedObject.kind}/{e.involvedObject.name}
              {(e.count ?? 1) > 1 ? ` (x${e.count})` : ''}
            </span>
            <span class="msg" title={e.message}>
              {e.message}
            </span>
          </div>
        )}
      />
    </div>
  );
}
