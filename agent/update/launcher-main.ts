// `node dist/agent/update/launcher-main.js [--shipped BUNDLE] AGENT-ARGS...`: the agent under
// its supervisor (launcher.ts). The data dir is the agent's own (--data-dir, or its default).

import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLogger } from '../../shared/log.js';
import { AGENT_DEFAULTS } from '../config.js';
import { runLauncher } from './launcher.js';

/** The bundle `npm run build` makes; the tsc build's agent when there is none. */
const BUNDLE = fileURLToPath(new URL('../../agent-bundle/drover-agent.cjs', import.meta.url));
const SHIPPED = existsSync(BUNDLE) ? BUNDLE : fileURLToPath(new URL('../main.js', import.meta.url));

export function launcherArgs(argv: string[]): { shipped: string; dataDir: string; args: string[] } {
  const args = [...argv];
  let shipped = SHIPPED;
  const s = args.indexOf('--shipped');
  if (s >= 0) {
    shipped = args[s + 1] ?? SHIPPED;
    args.splice(s, 2);
  }
  const d = args.indexOf('--data-dir');
  const fallback = process.env.DROVER_DATA_DIR || AGENT_DEFAULTS.dataDir;
  const dataDir = d >= 0 ? (args[d + 1] ?? fallback) : fallback;
  return { shipped, dataDir, args };
}

export function runSupervised(argv: string[]): Promise<number> {
  return runLauncher({ ...launcherArgs(argv), log: createLogger('agent-launcher') });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runSupervised(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`drover agent launcher: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
