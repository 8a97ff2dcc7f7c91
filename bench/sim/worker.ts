// A simulator child process: runs a slice of the fleet's hollow nodes and reports its counters
// to the parent over IPC every STATS_INTERVAL_MS. Started by fleet.ts; not run by hand.

import { DialGate } from '../../agent/dial-gate.js';
import { newCounters } from './counters.js';
import { PacedDialGate } from './paced-dial-gate.js';
import { HollowNode } from './hollow-node.js';
import type { SimOptions } from './options.js';
import { hollowProfile } from './profile.js';

export type ToWorker =
  | { type: 'start'; options: SimOptions; first: number; count: number; startAt: number }
  | { type: 'stop' };
export type FromWorker = { type: 'stats'; counters: ReturnType<typeof newCounters> } | { type: 'stopped' };

/** How often counters go to the parent, ms. */
const STATS_INTERVAL_MS = 500;

const counters = newCounters();
const nodes: HollowNode[] = [];
const starts: NodeJS.Timeout[] = [];
const send = (m: FromWorker) => process.send?.(m);

function start(m: Extract<ToWorker, { type: 'start' }>): void {
  const o = m.options;
  // One CPU share for all of this process's boards: their handshakes take turns (dial-gate.ts).
  const gate =
    o.dialsPerSecond > 0
      ? new PacedDialGate(o.dialsPerProcess, 1000 / o.dialsPerSecond)
      : new DialGate(o.dialsPerProcess);
  for (let i = m.first; i < m.first + m.count; i++) {
    const node = new HollowNode(o, hollowProfile(o, i), counters, gate);
    nodes.push(node);
    counters.nodes++;
    // The fleet-wide index sets the start time, so all processes together ramp at rampPerSecond.
    const at = o.rampPerSecond > 0 ? m.startAt + (i * 1000) / o.rampPerSecond : m.startAt;
    starts.push(setTimeout(() => void node.start(), Math.max(0, at - Date.now())));
  }
}

async function stop(): Promise<void> {
  clearInterval(ticker);
  for (const t of starts) clearTimeout(t);
  await Promise.all(nodes.map((n) => n.stop()));
  send({ type: 'stats', counters });
  send({ type: 'stopped' });
  process.disconnect?.();
  process.exit(0);
}

const ticker = setInterval(() => send({ type: 'stats', counters }), STATS_INTERVAL_MS);
process.on('message', (m: ToWorker) => {
  if (m.type === 'start') start(m);
  else if (m.type === 'stop') void stop();
});
// The parent went away: nothing left to report to.
process.on('disconnect', () => process.exit(0));
