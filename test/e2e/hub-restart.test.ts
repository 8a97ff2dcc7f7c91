// kill -9 of the hub, then a start with the same data dir and ports: every object is still
// there, agents reconnect by themselves with their stored credential (no second join).

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getJson, listNames, nodeReady } from '../helpers/api.js';
import {
  type AgentProcess,
  type HubProcess,
  killAll,
  kubectl,
  parseTable,
  startAgentProcess,
  startHubProcess,
} from '../helpers/procs.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { holdsFor, waitFor } from '../helpers/wait.js';

const GRACE_MS = 3000;
const HUB_ARGS = ['--node-grace', `${GRACE_MS}ms`, '--heartbeat-interval', '1s'];

test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

test('hub kill -9 and restart: objects kept, agents back to Ready without a second join', async () => {
  let hub: HubProcess = await startHubProcess({ args: HUB_ARGS });
  const names = ['keep-a', 'keep-b'];
  const agents: AgentProcess[] = names.map((name) =>
    startAgentProcess({
      hub,
      name,
      args: ['--heartbeat-interval', '1s'],
    }),
  );
  const ready = (h: HubProcess, n: string) =>
    waitFor(async () => (await nodeReady(h.apiUrl, n)) === 'True', {
      timeoutMs: 20_000,
      what: `${n} Ready`,
    }).catch((e: Error) => {
      throw new Error(
        `${e.message}\n${agents.map((a) => a.output()).join('\n')}\n--- hub ---\n${h.output().slice(-4000)}`,
      );
    });
  for (const n of names) await ready(hub, n);

  // An object of our own, written through kubectl (from a file: JSON on the wire).
  const nsFile = join(hub.dataDir, 'ns.json');
  writeFileSync(
    nsFile,
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'survivor' } }),
  );
  const ns = await kubectl(['create', '-f', nsFile], { kubeconfig: hub.kubeconfig });
  assert.is(ns.code, 0, ns.stderr);
  const before = {
    nodes: await listNames(hub.apiUrl, '/api/v1/nodes'),
    namespaces: await listNames(hub.apiUrl, '/api/v1/namespaces'),
    secrets: await listNames(hub.apiUrl, '/api/v1/namespaces/kube-system/secrets'),
    uids: await Promise.all(
      names.map(
        async (n) =>
          (await getJson<{ metadata: { uid: string } }>(hub.apiUrl, `/api/v1/nodes/${n}`)).metadata.uid,
      ),
    ),
  };
  const creds = agents.map((a) => {
    const p = join(a.dataDir, 'credentials.json');
    return { text: readFileSync(p, 'utf8'), mtimeMs: statSync(p).mtimeMs };
  });

  await hub.kill9();
  const t0 = Date.now();
  hub = await startHubProcess({
    dataDir: hub.dataDir,
    args: [...HUB_ARGS, '--api-port', String(hub.apiPort), '--mqtt-port', String(hub.mqttPort)],
  });
  // The store still says Ready from before the crash: what proves the agents are back is that
  // they reconnected (their log) and that the node stays Ready past the grace period, which the
  // restarted hub's lifecycle controller enforces from its own start.
  for (const a of agents)
    await waitFor(() => (a.output().match(/connected to hub/g)?.length ?? 0) >= 2, {
      timeoutMs: 20_000,
      what: `${a.name} to reconnect`,
    });
  console.log(`  hub restart -> agents reconnected in ${Date.now() - t0} ms`);
  for (const n of names) await ready(hub, n);
  await holdsFor(
    async () => (await Promise.all(names.map((n) => nodeReady(hub.apiUrl, n)))).every((s) => s === 'True'),
    {
      durationMs: GRACE_MS + 1500,
      what: 'both nodes Ready through a whole grace period after the restart',
    },
  );

  assert.equal(await listNames(hub.apiUrl, '/api/v1/nodes'), before.nodes);
  assert.equal(await listNames(hub.apiUrl, '/api/v1/namespaces'), before.namespaces);
  assert.equal(await listNames(hub.apiUrl, '/api/v1/namespaces/kube-system/secrets'), before.secrets);
  const uids = await Promise.all(
    names.map(
      async (n) =>
        (await getJson<{ metadata: { uid: string } }>(hub.apiUrl, `/api/v1/nodes/${n}`)).metadata.uid,
    ),
  );
  assert.equal(uids, before.uids);
  agents.forEach((a, i) => {
    const p = join(a.dataDir, 'credentials.json');
    assert.is(readFileSync(p, 'utf8'), creds[i].text, `${a.name} kept its credential`);
    assert.is(statSync(p).mtimeMs, creds[i].mtimeMs);
    assert.is(a.output().match(/joined hub/g)?.length, 1, `${a.name} joined once`);
    assert.is(a.proc.exitCode, null, `${a.name} still running`);
  });
  const k = await kubectl(['get', 'nodes'], { kubeconfig: hub.kubeconfig });
  assert.equal(
    parseTable(k.stdout).map((r) => r.STATUS),
    ['Ready', 'Ready'],
  );
});

test.run();
