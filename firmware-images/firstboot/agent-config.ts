// The agent's config file as first boot writes it from drover.json: the agent reads it with
// `--config` (drover-agent.service), so its keys are the agent's file keys (agent/config.ts).

import type { BoardConfig } from '../config/board-config.js';
import { FIRSTBOOT_PATHS } from './paths.js';

export function agentConfigFor(c: BoardConfig, nodeName: string): Record<string, unknown> {
  const agent: Record<string, unknown> = {
    // A list when the board has several hubs (one NATS cluster): the agent fails over in turn.
    hub: c.hub.length === 1 ? c.hub[0] : c.hub,
    name: nodeName,
    dataDir: FIRSTBOOT_PATHS.agentDataDir,
  };
  if (c.token) agent.token = c.token;
  if (c.caHash) agent.caHash = c.caHash;
  if (Object.keys(c.labels).length) agent.labels = c.labels;
  return agent;
}
