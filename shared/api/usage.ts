// The wire shape of GET /api/v1/nodes/<name>/usage: a board's recent usage as the hub keeps it
// in memory (hub/usage/), read by the dashboard's board page.

export interface UsageSample {
  /** When the hub received it, RFC 3339 (the hub's clock: a board's says nothing it can trust). */
  time: string;
  /** 0..100, all CPUs of the board together. */
  cpuPercent?: number;
  memoryBytes?: number;
}

export interface NodeUsageHistory {
  apiVersion: 'drover.io/v1';
  kind: 'NodeUsageHistory';
  metadata: { name: string };
  /** Samples kept per node (the oldest go first). */
  capacity: number;
  /** Oldest first. */
  samples: UsageSample[];
}
