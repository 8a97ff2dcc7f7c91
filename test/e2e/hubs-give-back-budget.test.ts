// The heap give-back's pause budget on several hubs (hub/hub.ts, hub/heap-give-back.ts), real
// hub processes on a real nats-server: the leader's budget keeps its lease (half of what is left
// of the renew deadline after a retry period), a standby's the relay's dead time (half of what
// is left of it after a presence flush, 2 s), and leadership moving on moves the budget with it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_HUB_DEAD_AFTER_MS, DEFAULT_PRESENCE_FLUSH_MS } from '../../hub/relay/relay.js';
import { type HubCluster, LEADS, startHubCluster } from '../helpers/hub-cluster.js';
import { scrapeMetrics } from '../helpers/hub-metrics.js';
import { type HubProcess, killAll } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';

let cluster: HubCluster | undefined;

test.after(async () => {
  await killAll();
  await cluster?.nats.stop();
});

const BUDGET = 'drover_heap_give_back_pause_budget_seconds';
const STANDBY_S = (DEFAULT_HUB_DEAD_AFTER_MS - DEFAULT_PRESENCE_FLUSH_MS) / 2 / 1000;

async function budgetOf(apiUrl: string): Promise<number> {
  const m = new RegExp(`^${BUDGET} (\\S+)$`, 'm').exec(await scrapeMetrics(apiUrl));
  if (!m) throw new Error(`no ${BUDGET} in /metrics`);
  return m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]);
}

test('leader and standby each have their budget; after kill -9 of the leader the new one takes the lease budget', async () => {
  cluster = await startHubCluster({ hubs: 2, natsNodes: 1 });
  const [leader, standby] = cluster.hubs as [HubProcess, HubProcess];
  const leaderBudget = await waitFor(
    async () => {
      const b = await budgetOf(leader.apiUrl);
      return b < STANDBY_S ? b : undefined;
    },
    { what: "the leader's budget" },
  );
  assert.ok(leaderBudget > 0, `leader ${leaderBudget} s`);
  assert.is(await budgetOf(standby.apiUrl), STANDBY_S, 'the standby');
  await leader.kill9();
  await waitFor(() => standby.output().includes(LEADS), {
    what: 'the standby leads',
    timeoutMs: 60_000,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${cluster?.tails()}`);
  });
  assert.is(await budgetOf(standby.apiUrl), leaderBudget, 'the new leader has the lease budget');
});

test.run();
