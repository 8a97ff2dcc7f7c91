// The events stream with filters: type (hub side, a field selector), namespace, and free text
// over reason, object and message (in the page).

import { useMemo, useState } from 'preact/hooks';
import type { Event } from '../../../shared/api/types.js';
import { paths } from '../api/paths.js';
import { useInformer } from '../lib/use-informer.js';
import { useNow } from '../lib/use-now.js';
import { EventRows } from './event-rows.js';

export function EventsPage() {
  const [type, setType] = useState('');
  const [text, setText] = useState('');
  const [ns, setNs] = useState('');
  const inf = useInformer<Event>(
    paths.events,
    type ? `fieldSelector=${encodeURIComponent(`type=${type}`)}` : '',
  );
  const now = useNow(5000);
  const all = useMemo(() => [...inf.items.values()], [inf.version]);
  const namespaces = useMemo(() => [...new Set(all.map((e) => e.metadata.namespace ?? ''))].sort(), [all]);
  const t = text.toLowerCase();
  const shown = all.filter(
    (e) =>
      (!ns || e.metadata.namespace === ns) &&
      (!t ||
        `${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name} ${e.message}`
          .toLowerCase()
          .includes(t)),
  );
  return (
    <section>
      <header class="bar-row">
        <h1>
          Events <span class="muted">{shown.length}</span>
        </h1>
        <select
          value={type}
          onChange={(e) => setType((e.target as HTMLSelectElement).value)}
          data-testid="ev-type"
        >
          <option value="">all types</option>
          <option>Normal</option>
          <option>Warning</option>
        </select>
        <select value={ns} onChange={(e) => setNs((e.target as HTMLSelectElement).value)}>
          <option value="">all namespaces</option>
          {namespaces.map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
        <input
          placeholder="filter reason, object, message"
          value={text}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
          data-testid="ev-text"
        />
      </header>
      <EventRows events={shown} now={now} />
    </section>
  );
}
