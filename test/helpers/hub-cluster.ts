// Several real hubs on one real nats-server cluster, as an operator starts them (issue #8): the
// first hub leads and makes the cluster's CA and keys, each other hub starts on a copy of them
// (cli/cluster/hub-files.ts), all on the same --store. Stop them with killAll() and nats.stop().

import { copySharedHubFiles } from '../../cli/cluster/hub-files.js';
import { type NatsCluster, startNats } from './nats.js';
import { type HubProcess, startHubProcess } from './procs.js';
import { tempDir } from './tmp.js';
import { waitFor } from './wait.js';

/** What leading looks like in a hub's log (hub/hub.ts, the leader-only step). */
export const LEADS = 'leader: start controllers';

export interface HubCluster {
  nats: NatsCluster;
  /** hubs[0] started first and leads when the others start. */
  hubs: HubProcess[];
  /** The last lines of every hub's output, for a failure message. */
  tails(chars?: number): string;
}

export interface HubClusterOptions {
  hubs: number;
  /** nats-server nodes (1 = standalone, 3 = a Raft cluster); the store's replicas follow. */
  natsNodes: 1 | 3;
  /** More `drover hub` flags for every hub (e.g. --node-grace). */
  args?: string[];
}

export async function startHubCluster(o: HubClusterOptions): Promise<HubCluster> {
  const nats = await startNats(o.natsNodes);
  const args = ['--store', nats.urls.join(','), '--store-replicas', String(o.natsNodes), ...(o.args ?? [])];
  const first = await startHubProcess({ args });
  await waitFor(() => first.output().includes(LEADS), { what: 'the first hub leads', timeoutMs: 30_000 });
  // The others start together (each on its own copy of the shared files): one after the other
  // only added up their start-up times.
  const others = await Promise.all(
    Array.from({ length: o.hubs - 1 }, () => {
      const dir = tempDir('drover-hub-');
      copySharedHubFiles(first.dataDir, dir);
      return startHubProcess({ args, dataDir: dir });
    }),
  );
  const hubs = [first, ...others];
  return {
    nats,
    hubs,
    tails: (chars = 2500) => hubs.map((h, i) => `--- hub ${i} ---\n${h.output().slice(-chars)}`).join('\n'),
  };
}
