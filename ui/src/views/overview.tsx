// Fleet overview: counts by state, by arch and by a chosen label; a filter by label selector
// applied by the hub (server-side, like `kubectl get nodes -l`); every board in a virtualized
// list that stays smooth at 10,000 rows, updated live from the nodes watch.

import { useMemo, useState } from 'preact/hooks';
import type { Node } from '../../../shared/api/types.js';
import { paths } from '../api/paths.js';
import { StateBadge } from '../components/state-badge.js';
import { VirtualList } from '../components/virtual-list.js';
import { BoardOrder } from '../lib/board-order.js';
import { countBy, type GroupBy, groupOf } from '../lib/groups.js';
import { arch, BOARD_STATES } from '../lib/node-state.js';
import { age } from '../lib/time.js';
import { useInformer } from '../lib/use-informer.js';
import { useNow } from '../lib/use-now.js';

const ROW_HEIGHT = 32;
/** Re-derive the board list (order, counts) at most this often, ms: status churn of a large
 * fleet would otherwise re-derive every frame. */
const DERIVE_INTERVAL_MS = 500;

export function Overview() {
  const [selector, setSelector] = useState('');
  const [draft, setDraft] = useState('');
  const [labelKey, setLabelKey] = useState('');
  const [filter, setFilter] = useState<{ by: GroupBy; value: string } | undefined>();
  const inf = useInformer<Node>(
    paths.nodes,
    selector ? `labelSelector=${encodeURIComponent(selector)}` : '',
    DERIVE_INTERVAL_MS,
  );
  const now = useNow(5000);

  const order = useMemo(() => new BoardOrder(), []);
  const { boards, byState, byArch, labelKeys: keys } = useMemo(() => order.derive(inf), [inf, inf.version]);
  const labelBy: GroupBy | undefined = labelKey ? { kind: 'label', key: labelKey } : undefined;
  const byLabel = useMemo(() => (labelBy ? countBy(boards, labelBy) : []), [boards, labelKey]);
  const shown = filter ? boards.filter((b) => groupOf(b, filter.by) === filter.value) : boards;

  const card = (by: GroupBy, value: string, count: number, cls = '') => {
    const on = filter && filter.value === value && filter.by.kind === by.kind;
    return (
      <button
        type="button"
        class={`card ${cls} ${on ? 'on' : ''}`}
        data-testid={`count-${by.kind}-${value}`}
        onClick={() => setFilter(on ? undefined : { by, value })}
      >
        <span class="n">{count}</span>
        <span class="k">{value}</span>
      </button>
    );
  };

  return (
    <section class="overview">
      <header class="bar-row">
        <h1>
          Fleet{' '}
          <span class="muted" data-testid="board-total">
            {boards.length} boards
          </span>
        </h1>
        <form
          class="selector"
          onSubmit={(e) => {
            e.preventDefault();
            setSelector(draft.trim());
          }}
        >
          <input
            placeholder="label selector, e.g. region=eu,ring!=canary"
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
            data-testid="selector"
          />
          <button type="submit">Filter</button>
        </form>
        <span class={`sync sync-${inf.state}`} title={inf.error ?? ''} data-testid="sync">
          {inf.state === 'watching' ? 'live' : inf.state}
        </span>
      </header>
      <div class="cards">
        {BOARD_STATES.map((s) => card({ kind: 'state' }, s, byState.get(s) ?? 0, `st-${s}`))}
        <span class="sep" />
        {byArch.map(([a, n]) => card({ kind: 'arch' }, a, n))}
        <span class="sep" />
        <select
          value={labelKey}
          onChange={(e) => setLabelKey((e.target as HTMLSelectElement).value)}
          data-testid="group-label"
        >
          <option value="">group by label…</option>
          {keys.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        {labelBy && byLabel.map(([v, n]) => card(labelBy, v, n))}
      </div>
      <div class="thead boards-row">
        <span>Name</span>
        <span>State</span>
        <span>Arch</span>
        <span>{labelKey || 'Version'}</span>
        <span>Age</span>
      </div>
      <VirtualList
        items={shown}
        rowHeight={ROW_HEIGHT}
        testId="boards"
        row={(b) => (
          <a class="boards-row" href={`#/boards/${encodeURIComponent(b.name)}`} data-board={b.name}>
            <span class="name">{b.name}</span>
            <StateBadge info={b.info} now={now} />
            <span>{arch(b.node)}</span>
            <span>
              {labelKey
                ? (b.node.metadata.labels?.[labelKey] ?? '')
                : (b.node.status?.nodeInfo?.kubeletVersion ?? '')}
            </span>
            <span>{age(now - Date.parse(b.node.metadata.creationTimestamp ?? ''))}</span>
          </a>
        )}
      />
    </section>
  );
}
