// A CPU profile of one window of a bench child process (the hub), not of its whole life: each
// SIGWINCH toggles the V8 profiler (through node:inspector in the process itself), and a stop
// writes <dir>/<prefix>-<n>.cpuprofile (Chrome DevTools format, as `node --cpu-prof`). A
// fleet bench's join phase would otherwise bury the case it profiles.

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** The signal that starts and stops a profile. */
// SIGWINCH: ignored by default, so a stray one harms no process (SIGUSR2 runs a GC, SIGUSR1
// opens the inspector).
export const PROFILE_SIGNAL = 'SIGWINCH';
/** Sampling interval, µs (node --cpu-prof-interval's default is 1000). */
const SAMPLING_INTERVAL_US = 500;

/** Installs the SIGWINCH toggle in this process; profiles go to dir. */
export function profileOnSignal(dir: string, prefix: string): void {
  const session = new Session();
  session.connect();
  let running = false;
  let n = 0;
  let busy: Promise<void> = Promise.resolve();
  const toggle = async () => {
    if (!running) {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
      await session.post('Profiler.start');
      running = true;
      return;
    }
    const { profile } = await session.post('Profiler.stop');
    running = false;
    n++;
    writeFileSync(join(dir, `${prefix}-${n}.cpuprofile`), JSON.stringify(profile));
  };
  process.on(PROFILE_SIGNAL, () => {
    busy = busy.then(toggle).catch((e: unknown) => console.error('profiler toggle failed', e));
  });
}
