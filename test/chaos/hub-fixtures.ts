// What the hub-side chaos cases share: hollow boards (bench/sim: the real Agent with a simulated
// machine and pods) joined to one hub process or several, and Ready, followed through the API
// (node Ready transitions, a pod informer); and a hub restarted on its own data dir and ports
// (after SIGTERM or kill -9), as an operator's systemd unit would restart it.

import { hubApiClient } from '../../bench/lib/hub-client.js';
import { NodeTracker } from '../../bench/lib/node-tracker.js';
import { type Fleet, startFleet } from '../../bench/sim/fleet.js';
import type { HttpApiClient } from '../../hub/api/http-client.js';
import { Informer } from '../../hub/informers/informer.js';
import type { Pod } from '../../shared/api/types.js';
import { createLogger } from '../../shared/log.js';
import { type HubProcess, startHubProcess } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';

export type StopMode = 'SIGTERM' | 'SIGKILL';

/** Hollow boards joined to one or several hubs, followed through the API. */
export interface FollowedFleet {
  fleet: Fleet;
  client: HttpApiClient;
  /** Ready -> not Ready transitions of the hollow boards. */
  tracker: NodeTracker;
  pods: Informer<Pod>;
  /** Stops the informers and the simulator (the hubs are the caller's: killAll()). */
  stop(): Promise<void>;
}

export interface HubWithFleet extends FollowedFleet {
  hub: HubProcess;
}

export interface FleetOptions {
  boards: number;
  perProcess: number;
  podStartDelayMs: number;
  /** Connection attempts per second per simulator process (default: unpaced). */
  dialsPerSecond?: number;
}

/**
 * `boards` hollow boards (heartbeats 1 s) on the hubs at hubUrl (comma-separated: board i starts
 * on hub i mod n), followed through client; resolved once all are Ready.
 */
export async function startFollowedFleet(
  o: FleetOptions & { hubUrl: string; caPem: string; token: string; client: HttpApiClient },
): Promise<FollowedFleet> {
  const fleet = await startFleet({
    hubUrl: o.hubUrl,
    caPem: o.caPem,
    token: o.token,
    nodes: o.boards,
    nodesPerProcess: o.perProcess,
    heartbeatIntervalMs: 1000,
    rampPerSecond: 50,
    podStartDelayMs: o.podStartDelayMs,
    ...(o.dialsPerSecond !== undefined ? { dialsPerSecond: o.dialsPerSecond } : {}),
  });
  const client = o.client;
  const tracker = new NodeTracker(client, (n) => n.startsWith('hollow-'));
  const pods = new Informer<Pod>(client, 'pods', createLogger('test/pods', 40));
  const stop = async () => {
    pods.stop();
    tracker.stop();
    await fleet.stop();
  };
  try {
    await tracker.start();
    await waitFor(() => tracker.readyCount() === o.boards, {
      // Joins under a loaded machine go slower than the ramp: a generous bound, not a timing.
      timeoutMs: 180_000 + (o.boards / 50) * 1000,
      intervalMs: 250,
      what: `${o.boards} hollow boards Ready`,
    });
    await pods.start();
  } catch (e) {
    await stop();
    throw e;
  }
  return { fleet, client, tracker, pods, stop };
}

/** A hub process (heartbeats 1 s) and `boards` hollow boards, resolved once all are Ready. */
export async function startHubWithFleet(o: FleetOptions & { hubArgs: string[] }): Promise<HubWithFleet> {
  const hub = await startHubProcess({ args: o.hubArgs });
  const followed = await startFollowedFleet({
    ...o,
    hubUrl: hub.mqttUrl,
    caPem: hub.caPem,
    token: hub.token,
    client: hubApiClient(hub.dataDir),
  });
  return { hub, ...followed };
}

/** Stops hub the given way, starts it again on the same data dir and ports; returns the new one. */
export async function restartHub(hub: HubProcess, args: string[], mode: StopMode): Promise<HubProcess> {
  if (mode === 'SIGKILL') await hub.kill9();
  else {
    const code = await hub.stop('SIGTERM', 30_000);
    if (code !== 0)
      throw new Error(`the hub exited with ${String(code)} on SIGTERM:\n${hub.output().slice(-3000)}`);
  }
  return startHubProcess({
    dataDir: hub.dataDir,
    args: [...args, '--api-port', String(hub.apiPort), '--mqtt-port', String(hub.mqttPort)],
    timeoutMs: 60_000,
  });
}
