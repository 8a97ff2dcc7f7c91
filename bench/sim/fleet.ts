// A fleet of hollow nodes spread over child processes (nodesPerProcess each), like kubemark's
// hollow nodes or KubeEdge's Edgemark: real MQTT connections speaking the agent protocol.

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { addCounters, newCounters, type SimCounters } from './counters.js';
import { resolveSimOptions, type SimOptions } from './options.js';
import type { FromWorker, ToWorker } from './worker.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));
/** How long stop() waits for a worker to close its connections before killing it, ms. */
const STOP_TIMEOUT_MS = 20_000;

export interface Fleet {
  options: SimOptions;
  /** Worker process ids (for CPU/RSS sampling). */
  pids: number[];
  /** The latest counters summed over all workers. */
  counters(): SimCounters;
  /** Polls the counters until pred holds; rejects after timeoutMs with the last counters. */
  waitFor(pred: (c: SimCounters) => boolean, timeoutMs: number, what: string): Promise<SimCounters>;
  stop(): Promise<void>;
}

export class FleetTimeoutError extends Error {
  override name = 'FleetTimeoutError';
}

export async function startFleet(
  opts: Partial<SimOptions> & Pick<SimOptions, 'hubUrl' | 'token'>,
): Promise<Fleet> {
  const o = resolveSimOptions(opts);
  const workers: { child: ChildProcess; counters: SimCounters; exited: Promise<void> }[] = [];
  const startAt = Date.now() + 200;
  for (let first = 0; first < o.nodes; first += o.nodesPerProcess) {
    const count = Math.min(o.nodesPerProcess, o.nodes - first);
    const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const w = {
      child,
      counters: newCounters(),
      exited: new Promise<void>((r) => child.once('exit', () => r())),
    };
    child.on('message', (m: FromWorker) => {
      if (m.type === 'stats') w.counters = m.counters;
    });
    const msg: ToWorker = { type: 'start', options: o, first, count, startAt };
    child.send(msg);
    workers.push(w);
  }
  const counters = () => workers.reduce((a, w) => addCounters(a, w.counters), newCounters());
  return {
    options: o,
    pids: workers.map((w) => w.child.pid ?? 0),
    counters,
    async waitFor(pred, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const c = counters();
        if (pred(c)) return c;
        if (Date.now() > deadline) {
          const { joinMs: _, ...shown } = c;
          throw new FleetTimeoutError(
            `fleet: timed out after ${timeoutMs} ms waiting for ${what}; counters ${JSON.stringify(shown)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      for (const w of workers) {
        if (w.child.connected) w.child.send({ type: 'stop' } satisfies ToWorker);
        else w.child.kill('SIGKILL');
      }
      await Promise.all(
        workers.map(async (w) => {
          const t = setTimeout(() => w.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          await w.exited;
          clearTimeout(t);
        }),
      );
    },
  };
}
