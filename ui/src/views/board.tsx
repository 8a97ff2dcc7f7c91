// A board: its conditions, capacity vs allocated, usage history, its pods, its events, a pod's logs; cordon
// and drain. Each part is its own watch, narrowed by the hub (field selectors).

import { useState } from 'preact/hooks';
import type { Event, Node, Pod } from '../../../shared/api/types.js';
import { drain, setCordoned } from '../api/actions.js';
import { paths } from '../api/paths.js';
import { Bar } from '../components/bar.js';
import { Conditions } from '../components/conditions.js';
import { StateBadge } from '../components/state-badge.js';
import { arch, boardInfo } from '../lib/node-state.js';
import { allocation, formatAmount, quantity } from '../lib/resources.js';
import { since } from '../lib/time.js';
import { useInformer } from '../lib/use-informer.js';
import { useNow } from '../lib/use-now.js';
import { EventRows } from './event-rows.js';
import { PodLogs } from './pod-logs.js';
import { UsageHistory } from './usage.js';

function field(s: string): string {
  return `fieldSelector=${encodeURIComponent(s)}`;
}

function podReady(p: Pod): string {
  const cs = p.status?.containerStatuses ?? [];
  return `${cs.filter((c) => c.ready).length}/${p.spec.containers.length}`;
}

export function BoardPage({ name }: { name: string }) {
  const nodes = useInformer<Node>(paths.nodes, field(`metadata.name=${name}`));
  const pods = useInformer<Pod>(paths.pods, field(`spec.nodeName=${name}`));
  const events = useInformer<Event>(
    paths.events,
    field(`involvedObject.kind=Node,involvedObject.name=${name}`),
  );
  const [logsOf, setLogsOf] = useState<Pod | undefined>();
  const [busy, setBusy] = useState('');
  const [error, setError] = useState('');
  const now = useNow(5000);
  const node = nodes.items.get(name);
  if (!node) return <p class="muted">{nodes.state === 'listing' ? 'Loading…' : `No board named ${name}.`}</p>;
  const info = boardInfo(node);
  const podList = [...pods.items.values()].sort((a, b) =>
    (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
  const act = (label: string, fn: () => Promise<unknown>) => {
    setBusy(label);
    setError('');
    fn()
      .catch((e: Error) => setError(e.message))
      .finally(() => setBusy(''));
  };
  const cordoned = node.spec?.unschedulable === true;
  const ni = node.status?.nodeInfo;
  return (
    <section class="board" data-testid="board-page">
      <header class="bar-row">
        <h1>{name}</h1>
        <StateBadge info={info} now={now} />
        {cordoned && <span class="badge cordoned">SchedulingDisabled</span>}
        <span class="spacer" />
        <button
          type="button"
          disabled={!!busy}
          data-testid="cordon"
          onClick={() => act('cordon', () => setCordoned(name, !cordoned))}
        >
          {cordoned ? 'Uncordon' : 'Cordon'}
        </button>
        <button
          type="button"
          disabled={!!busy}
          data-testid="drain"
          onClick={() => {
            if (confirm(`Drain ${name}? It is cordoned and its pods (except DaemonSet pods) are evicted.`))
              act('drain', () => drain(name));
          }}
        >
          Drain
        </button>
      </header>
      {error && <p class="error">{error}</p>}
      <p class="muted">
        {arch(node)} · {ni?.osImage ?? ni?.operatingSystem ?? ''} · kernel {ni?.kernelVersion ?? '?'} ·
        runtime {ni?.containerRuntimeVersion || 'none'} · agent {ni?.kubeletVersion ?? '?'} · joined{' '}
        {since(node.metadata.creationTimestamp, now)} ago
      </p>
      <div class="two">
        <div>
          <h2>Conditions</h2>
          <Conditions items={node.status?.conditions} />
        </div>
        <div>
          <h2>Capacity vs allocated</h2>
          <table class="grid" data-testid="allocation">
            <tbody>
              {allocation(node, podList).map((a) => (
                <tr key={a.resource}>
                  <td>{a.resource}</td>
                  <td class="wide">
                    <Bar
                      value={a.requested}
                      max={a.allocatable}
                      label={`${formatAmount(a.resource, a.requested)} of ${formatAmount(a.resource, a.allocatable)} requested`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <h2>Usage</h2>
      <UsageHistory name={name} memoryCapacity={quantity(node.status?.capacity?.memory)} />
      <h2>Pods ({podList.length})</h2>
      <table class="grid" data-testid="pods">
        <thead>
          <tr>
            <th>Namespace</th>
            <th>Name</th>
            <th>Ready</th>
            <th>Phase</th>
            <th>Restarts</th>
            <th>Age</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {podList.map((p) => (
            <tr key={p.metadata.uid} data-pod={p.metadata.name}>
              <td>{p.metadata.namespace}</td>
              <td>{p.metadata.name}</td>
              <td>{podReady(p)}</td>
              <td>{p.status?.phase ?? 'Pending'}</td>
              <td>{(p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0)}</td>
              <td>{since(p.metadata.creationTimestamp, now)}</td>
              <td>
                <button type="button" data-testid={`logs-${p.metadata.name}`} onClick={() => setLogsOf(p)}>
                  Logs
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {logsOf && (
        <PodLogs
          key={logsOf.metadata.uid}
          ns={logsOf.metadata.namespace ?? 'default'}
          name={logsOf.metadata.name ?? ''}
          containers={logsOf.spec.containers.map((c) => c.name)}
        />
      )}
      <h2>Events</h2>
      <EventRows events={[...events.items.values()]} now={now} />
    </section>
  );
}
