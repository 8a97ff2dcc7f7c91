// What a simulator process counts; summed over processes by the fleet.

export interface SimCounters {
  nodes: number;
  joined: number;
  connected: number;
  joinErrors: number;
  connectErrors: number;
  disconnects: number;
  statusSent: number;
  heartbeatsSent: number;
  desiredReceived: number;
  podsRunning: number;
  /** Pods stopped for a deletion and reported terminal. */
  podsStopped: number;
  silenced: number;
  dropped: number;
  /** Join durations, ms (a bounded sample). */
  joinMs: number[];
  /** First error message seen, for diagnosis. */
  firstError?: string;
}

export const JOIN_SAMPLE_MAX = 2000;

export function newCounters(): SimCounters {
  return {
    nodes: 0,
    joined: 0,
    connected: 0,
    joinErrors: 0,
    connectErrors: 0,
    disconnects: 0,
    statusSent: 0,
    heartbeatsSent: 0,
    desiredReceived: 0,
    podsRunning: 0,
    podsStopped: 0,
    silenced: 0,
    dropped: 0,
    joinMs: [],
  };
}

export function addCounters(a: SimCounters, b: SimCounters): SimCounters {
  const out = newCounters();
  for (const k of Object.keys(out) as (keyof SimCounters)[]) {
    if (k === 'joinMs') out.joinMs = [...a.joinMs, ...b.joinMs];
    else if (k !== 'firstError') out[k] = (a[k] ?? 0) + (b[k] ?? 0);
  }
  const firstError = a.firstError ?? b.firstError;
  if (firstError !== undefined) out.firstError = firstError;
  return out;
}
