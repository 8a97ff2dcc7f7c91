// Agent entry point: `node dist/agent/main.js --hub mqtt://... --token ... --name ... --data-dir ...`
// (also what `drover agent` runs). Exit codes: 0 stopped by a signal, 1 fatal error, 2 bad options,
// 75 stopped to restart on a new bundle (update/updater.ts; its supervisor starts it again).

import { pathToFileURL } from 'node:url';
import { createLogger } from '../shared/log.js';
import { onParentGone } from '../shared/parent-link.js';
import { Agent } from './agent.js';
import { AGENT_FLAGS, AGENT_USAGE, AgentConfigError, loadAgentConfig } from './config.js';
import { FlagError, parseFlags } from './flags.js';
import { EXIT_RESTART_FOR_UPDATE } from './update/updater.js';

export async function runAgent(argv: string[]): Promise<number> {
  let cfg: ReturnType<typeof loadAgentConfig>;
  try {
    if (parseFlags(argv, AGENT_FLAGS).values.help) {
      process.stdout.write(AGENT_USAGE);
      return 0;
    }
    cfg = loadAgentConfig(argv);
  } catch (e) {
    if (e instanceof AgentConfigError || e instanceof FlagError) {
      process.stderr.write(`drover agent: ${e.message}\n\n${AGENT_USAGE}`);
      return 2;
    }
    throw e;
  }
  const log = createLogger(`agent ${cfg.nodeName}`);
  const agent = new Agent(cfg, log);
  const onSignal = (sig: NodeJS.Signals) => {
    log.info('signal received, stopping', { signal: sig });
    void agent.stop('shutdown');
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // Started by `drover up` (an IPC channel): its end stops this agent too.
  const offParent = onParentGone(() => onSignal('SIGTERM'));
  try {
    await agent.start();
    await agent.done;
    return agent.restartForUpdate ? EXIT_RESTART_FOR_UPDATE : 0;
  } catch (e) {
    log.error((e as Error).message, { error: (e as Error).name });
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    offParent();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runAgent(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`drover agent: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
