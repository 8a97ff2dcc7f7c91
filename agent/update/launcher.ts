// The agent's supervisor (issue #10): what systemd (`drover install agent`'s unit) or a test
// runs instead of the agent itself; it is never updated, only the bundles it starts are. Each
// start runs these named steps:
//   read state    state.json (state.ts): the current bundle, the one before, a trial
//   fall back     a version on trial started MAX_TRIAL_STARTS times without confirming (it
//                 exits at start, or never reaches the hub): back to the previous bundle, the
//                 version remembered as failed so its order is not taken again
//   count start   a version on trial: one more start
//   run           node <the bundle's own node flags> <bundle> <agent args> (bundle-flags.ts:
//                 the memory-saving flags of its first line); exit code EXIT_RESTART_FOR_UPDATE starts again
//                 at once, any other after RESTART_DELAY_MS (systemd's RestartSec for the
//                 launcher itself); SIGTERM/SIGINT go to the agent and end the launcher
// The scheme is a bootloader's A/B boot counter (Mender, RAUC) for a process.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Logger } from '../../shared/log.js';
import { bundleNodeFlags } from './bundle-flags.js';
import { bundlePath, readState, type UpdateState, writeState } from './state.js';
import { EXIT_RESTART_FOR_UPDATE } from './updater.js';

/** Starts of a new version without a confirmation before the launcher goes back. */
export const MAX_TRIAL_STARTS = 3;
/** Wait before starting an agent that exited on its own, ms. */
export const RESTART_DELAY_MS = 1000;

export interface LauncherOptions {
  dataDir: string;
  /** The bundle installed with the package, run when no other is current. */
  shipped: string;
  /** The agent's own arguments. */
  args: string[];
  log: Logger;
  maxTrialStarts?: number;
  restartDelayMs?: number;
}

/** The fall back and count start steps, pure: the state to run with. */
export function nextStart(s: UpdateState, maxStarts: number): { state: UpdateState; fellBack?: string } {
  const trial = s.trial;
  if (trial && trial.starts >= maxStarts)
    return {
      state: { current: s.previous, failed: [...(s.failed ?? []), trial.version] },
      fellBack: trial.version,
    };
  if (trial) return { state: { ...s, trial: { ...trial, starts: trial.starts + 1 } } };
  return { state: s };
}

export async function runLauncher(o: LauncherOptions): Promise<number> {
  const maxStarts = o.maxTrialStarts ?? MAX_TRIAL_STARTS;
  let stopping: NodeJS.Signals | undefined;
  let child: ReturnType<typeof spawn> | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    stopping = sig;
    child?.kill(sig);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    for (;;) {
      const { state, fellBack } = nextStart(readState(o.dataDir), maxStarts);
      if (fellBack)
        o.log.warn('agent version failed its trial: back to the previous bundle', {
          failed: fellBack,
          now: state.current ?? 'shipped',
        });
      writeState(o.dataDir, state);
      const bundle = state.current ? bundlePath(o.dataDir, state.current) : o.shipped;
      const run = existsSync(bundle) ? bundle : o.shipped;
      const proc = spawn(process.execPath, [...bundleNodeFlags(run), run, ...o.args], { stdio: 'inherit' });
      child = proc;
      const code = await new Promise<number>((resolve) => {
        proc.on('exit', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
        proc.on('error', () => resolve(1));
      });
      child = undefined;
      if (stopping) return code;
      if (code === EXIT_RESTART_FOR_UPDATE) continue;
      o.log.warn('agent exited: starting it again', { code, inMs: o.restartDelayMs ?? RESTART_DELAY_MS });
      await new Promise((r) => setTimeout(r, o.restartDelayMs ?? RESTART_DELAY_MS));
      if (stopping) return code;
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
