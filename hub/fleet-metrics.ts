// Fleet gauges computed at scrape time: boards by their Ready condition (from the shared
// nodes informer, as kube-state-metrics' kube_node_status_condition but summed, so 10,000
// boards are 3 series, not 30,000) and the heartbeat lag of connected boards (seconds since
// each one's last message: quantiles over the fleet, since a per-board series would not scale).

import type { Node } from '../shared/api/types.js';
import type { InformerFactory } from './informers/factory.js';
import type { LeaseTable } from './leases.js';
import type { Metrics } from './metrics.js';

const QUANTILES = [0.5, 0.9, 0.99, 1];

function readyOf(n: Node): 'true' | 'false' | 'unknown' {
  const s = n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return s === 'True' ? 'true' : s === 'False' ? 'false' : 'unknown';
}

export function registerFleetMetrics(m: Metrics, informers: InformerFactory, leases: LeaseTable): void {
  m.gauge('drover_nodes', 'Boards by their Ready condition status (true, false, unknown).', () => {
    const counts = { true: 0, false: 0, unknown: 0 };
    for (const n of informers.informer<Node>('nodes').list()) counts[readyOf(n)]++;
    return Object.entries(counts).map(([ready, value]) => ({ labels: { ready }, value }));
  });
  m.gauge(
    'drover_node_heartbeat_lag_seconds',
    'Seconds since the last message of connected boards, as quantiles over the fleet (1 = the most behind).',
    () => {
      const ages = leases.ages().sort((a, b) => a - b);
      if (ages.length === 0) return [];
      return QUANTILES.map((q) => ({
        labels: { quantile: String(q) },
        value: ages[Math.min(ages.length - 1, Math.max(0, Math.ceil(q * ages.length) - 1))],
      }));
    },
  );
  m.gauge(
    'drover_nodes_connected',
    'Boards whose MQTT connection is up (no last will since their last message).',
    () => leases.ages().length,
  );
}
