// A hub in its own process for the fleet benchmark, so its CPU and RSS can be read from /proc
// apart from the simulator's. Usage: node dist/bench/hub-process.js '<HubOptions JSON>'; prints
// {"api","mqtt","mqttPlain"?,"token","caPem","pid"} on stdout when up; stops on SIGTERM or when stdin closes.
// Started with --expose-gc, SIGUSR2 runs a full garbage collection (memory figures of what is
// live, not of what the collector has not reached yet).
// With a third argument (a directory), SIGWINCH starts and stops a CPU profile written there.

import { startHub } from '../hub/hub.js';
import type { HubOptions } from '../hub/config.js';
import { profileOnSignal } from './lib/signal-profiler.js';
import { tuneHubHeap } from '../hub/process-tuning.js';
import { startHeapGiveBack } from '../hub/heap-give-back.js';

const options = JSON.parse(process.argv[2] ?? '{}') as HubOptions;
const profileDir = process.argv[3];
if (profileDir) profileOnSignal(profileDir, `hub-${process.pid}`);
tuneHubHeap(); // as `drover hub` does
startHeapGiveBack({}, (freed, ms, trim) =>
  process.stderr.write(
    `hub: heap give-back freed ${(freed / 2 ** 20).toFixed(1)} MB of old space in ${ms.toFixed(0)} ms${
      trim
        ? `; malloc_trim gave back ${(trim.trimmedBytes / 2 ** 20).toFixed(1)} MB of RSS in ${trim.ms.toFixed(1)} ms`
        : ''
    }\n`,
  ),
);
const hub = await startHub(options);
process.stdout.write(
  `${JSON.stringify({
    api: hub.apiUrl,
    mqtt: hub.mqttUrl,
    mqttPlain: hub.mqttPlainUrl,
    token: hub.bootstrapToken,
    caPem: hub.caPem,
    pid: process.pid,
  })}\n`,
);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await hub.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) process.on('SIGUSR2', () => gc());
process.stdin.on('end', () => void stop());
process.stdin.resume();
