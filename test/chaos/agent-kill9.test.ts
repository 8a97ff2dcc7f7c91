// Chaos: kill -9 of an agent with running pods, real processes on the real Docker engine. The
// containers keep running while the agent is dead; the restarted agent (same data dir, stored
// credential) adopts them: the same container ids, zero duplicates, counted by label on the
// dockerd, and the pods report Running again. A pod created while the agent is dead (and, in
// the full form, kills in the middle of pod starts) is created exactly once.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hubApiClient } from '../../bench/lib/hub-client.js';
import type { HttpApiClient } from '../../hub/api/http-client.js';
import type { Pod } from '../../shared/api/types.js';
import { LABEL_NODE } from '../e2e/pods-harness.js';
import {
  killAll,
  type AgentProcess,
  type HubProcess,
  startAgentProcess,
  startHubProcess,
} from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { RUN_ID, containersOf, removeContainersOf, sleepPod } from './node-fixtures.js';
import { ChaosCase, FULL } from './chaos-case.js';

const NODE = `chaos-k9-${RUN_ID}`;
const PODS = FULL ? 10 : 3;
const CYCLES = FULL ? 3 : 1;
let hub: HubProcess;

test.after(async () => {
  await killAll();
  await removeContainersOf(NODE);
  cleanupTempDirs();
});

const containers = () => containersOf(NODE);

const pod = (name: string) => sleepPod(name, NODE, { chaos: 'k9' });

/** Pod name -> containerID the hub shows, for pods whose status is Running. */
async function runningIds(api: HttpApiClient): Promise<Map<string, string>> {
  const list = await api.list<Pod>('pods', 'default', { labelSelector: 'chaos=k9' });
  const out = new Map<string, string>();
  for (const p of list.items) {
    const id = p.status?.containerStatuses?.[0]?.containerID;
    if (p.status?.phase === 'Running' && id) out.set(p.metadata.name ?? '', id.replace('docker://', ''));
  }
  return out;
}

function startAgent(dataDir: string): AgentProcess {
  return startAgentProcess({
    hub,
    name: NODE,
    dataDir,
    args: ['--heartbeat-interval', '1s'],
  });
}

test('agent kill -9 with running pods: restart adopts its containers, zero duplicates', async () => {
  const cc = new ChaosCase('agent-kill9', 'kill -9 of an agent with running pods');
  await removeContainersOf(NODE);
  hub = await startHubProcess({ args: ['--heartbeat-interval', '1s', '--node-grace', '5s'] });
  const api = hubApiClient(hub.dataDir);
  const dataDir = tempDir('drover-chaos-k9-');
  let agent = startAgent(dataDir);
  const names = Array.from({ length: PODS }, (_, i) => `k9-${i}`);
  for (const n of names) await api.create('pods', 'default', pod(n));
  await waitFor(async () => (await runningIds(api)).size === PODS, {
    timeoutMs: 60_000,
    what: `${PODS} pods Running`,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${agent.output()}`);
  });
  cc.did(`ran ${PODS} pods on ${NODE} (real agent process, real dockerd)`);
  let expected = PODS;

  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    // From the second cycle on, kill in the middle of pod starts.
    const extra = cycle > 1 ? [`k9-extra-${cycle}`] : [];
    for (const n of extra) await api.create('pods', 'default', pod(n));
    const before = await containers();
    await agent.kill9();
    cc.did(`cycle ${cycle}: kill -9 of the agent${extra.length ? ' right after creating a pod for it' : ''}`);
    const stillRunning = (await containers()).filter((c) => c.State === 'running').length;
    assert.ok(
      stillRunning >= before.filter((c) => c.State === 'running').length,
      'containers outlive the agent',
    );
    // A pod for the dead agent: created on its return, exactly once.
    const whileDead = `k9-dead-${cycle}`;
    await api.create('pods', 'default', pod(whileDead));
    expected += 1 + extra.length;
    agent = startAgent(dataDir);
    cc.did(
      `cycle ${cycle}: created pod ${whileDead} while the agent was dead, restarted the agent (same data dir)`,
    );
    await waitFor(async () => (await runningIds(api)).size === expected, {
      timeoutMs: 60_000,
      what: `${expected} pods Running`,
    }).catch((e: Error) => {
      throw new Error(`${e.message}\n${agent.output()}`);
    });
    const ids = await runningIds(api);
    const byLabel = await containers();
    assert.is(
      byLabel.length,
      expected,
      `containers labelled ${LABEL_NODE}=${NODE}: ${byLabel.map((c) => c.Names[0]).join(', ')}`,
    );
    assert.ok(
      byLabel.every((c) => c.State === 'running'),
      'all running',
    );
    assert.equal(
      new Set(byLabel.map((c) => c.Id)),
      new Set(ids.values()),
      'the pods report exactly the containers on the engine',
    );
    const adopted = before.filter((c) => c.State === 'running').map((c) => c.Id);
    assert.ok(
      adopted.every((id) => byLabel.some((c) => c.Id === id)),
      'the containers from before the kill are the ones running',
    );
    cc.checked(
      `cycle ${cycle}: ${byLabel.length} containers by label on the dockerd for ${expected} pods (zero duplicates), the ${adopted.length} from before the kill adopted with the same ids, every pod Running with the container id the engine has`,
    );
  }
  await agent.stop();
  await hub.stop();
  cc.pass();
});

test.run();
