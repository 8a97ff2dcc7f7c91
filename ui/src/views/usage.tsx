// A board's CPU and memory over the last hour, from the hub's usage history
// (GET /api/v1/nodes/<name>/usage, kept in the hub's memory from the agent's status reports).
// Polled, not watched: it changes once per status report (60 s), and it is no API object.

import { useEffect, useState } from 'preact/hooks';
import type { NodeUsageHistory } from '../../../shared/api/usage.js';
import { getJson } from '../api/client.js';
import { paths } from '../api/paths.js';
import { Sparkline } from '../components/sparkline.js';
import { formatAmount } from '../lib/resources.js';

/** Re-read the history this often, ms: a few times per agent status interval (60 s). */
const POLL_MS = 15_000;

export function UsageHistory({ name, memoryCapacity }: { name: string; memoryCapacity: number }) {
  const [h, setH] = useState<NodeUsageHistory | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    const abort = new AbortController();
    const read = () =>
      getJson<NodeUsageHistory>(paths.nodeUsage(name), abort.signal)
        .then((x) => {
          setH(x);
          setError('');
        })
        .catch((e: Error) => {
          if (!abort.signal.aborted) setError(e.message);
        });
    void read();
    const t = setInterval(read, POLL_MS);
    return () => {
      clearInterval(t);
      abort.abort();
    };
  }, [name]);
  if (error) return <p class="muted">Usage history: {error}</p>;
  if (!h) return <p class="muted">Loading usage…</p>;
  const samples = h.samples;
  if (!samples.length)
    return (
      <p class="muted" data-testid="usage-empty">
        No usage reported yet.
      </p>
    );
  const t = samples.map((s) => Date.parse(s.time));
  const last = samples[samples.length - 1];
  const memMax = memoryCapacity || Math.max(...samples.map((s) => s.memoryBytes ?? 0));
  const minutes = Math.round((t[t.length - 1] - t[0]) / 60_000);
  return (
    <div class="usage" data-testid="usage" data-samples={samples.length}>
      <Sparkline
        testId="usage-cpu"
        points={samples.map((s, i) => ({ t: t[i], v: s.cpuPercent }))}
        max={100}
        label={`CPU ${last.cpuPercent ?? '?'}%`}
      />
      <Sparkline
        testId="usage-memory"
        points={samples.map((s, i) => ({ t: t[i], v: s.memoryBytes }))}
        max={memMax}
        label={`memory ${last.memoryBytes !== undefined ? formatAmount('memory', last.memoryBytes) : '?'} of ${formatAmount('memory', memMax)}`}
      />
      <span class="muted">
        {samples.length} samples over {minutes} min
      </span>
    </div>
  );
}
