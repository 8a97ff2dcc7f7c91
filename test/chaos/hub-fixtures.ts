// What the hub-side chaos cases share: a hub process restarted on its own data dir and ports
// (after SIGTERM or kill -9), as an operator's systemd unit would restart it.

import { type HubProcess, startHubProcess } from '../helpers/procs.js';

export type StopMode = 'SIGTERM' | 'SIGKILL';

/** Stops hub the given way, starts it again on the same data dir and ports; returns the new one. */
export async function restartHub(
  hub: HubProcess,
  args: string[],
  mode: StopMode,
  beforeStart: () => Promise<void> = async () => {},
): Promise<HubProcess> {
  if (mode === 'SIGKILL') await hub.kill9();
  else {
    const code = await hub.stop('SIGTERM', 30_000);
    if (code !== 0)
      throw new Error(`the hub exited with ${String(code)} on SIGTERM:\n${hub.output().slice(-3000)}`);
  }
  await beforeStart();
  return startHubProcess({
    dataDir: hub.dataDir,
    args: [...args, '--api-port', String(hub.apiPort), '--mqtt-port', String(hub.mqttPort)],
    timeoutMs: 60_000,
  });
}
