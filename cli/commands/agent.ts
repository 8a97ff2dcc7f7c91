// `drover agent ...`: the agent (kubelet role). Loads only agent code, so it runs on Node 18 boards.

import { runAgent } from '../../agent/main.js';

export function agentCommand(argv: string[]): Promise<number> {
  return runAgent(argv);
}
