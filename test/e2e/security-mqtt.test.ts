// The board side of the hub's security, played by an attacker with real processes: a hub
// (`drover hub`), real agents (`drover agent`, no Docker needed: RuntimeReady=False, Ready
// True), the `drover` CLI and raw mqtt.js clients. Each attack gets a clear refusal and the
// real fleet stays connected and Ready.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event, KubeList, Secret } from '../../shared/api/types.js';
import { getJson, nodeReady } from '../helpers/api.js';
import {
  type AgentProcess,
  drover,
  type HubProcess,
  killAll,
  type StartAgentOptions,
  startAgentProcess,
  startHubProcess,
  tokenOfJoinLine,
} from '../helpers/procs.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

let hub: HubProcess;
const NO_DOCKER = ['--docker-socket', '/nonexistent/docker.sock', '--heartbeat-interval', '1s'];

test.before(async () => {
  hub = await startHubProcess({ args: ['--node-grace', '3s', '--heartbeat-interval', '1s'] });
});

test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

function agent(name: string, o: Partial<StartAgentOptions> = {}): AgentProcess {
  return startAgentProcess({
    hub: { mqttUrl: hub.mqttUrl, token: hub.token },
    name,
    ...o,
    args: [...NO_DOCKER, ...(o.args ?? [])],
  });
}

async function ready(name: string, want = 'True', a?: AgentProcess): Promise<void> {
  await waitFor(async () => (await nodeReady(hub.apiUrl, name)) === want, {
    timeoutMs: 20_000,
    what: `node ${name} Ready=${want}`,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n--- agent ---\n${a?.output()}\n--- hub ---\n${hub.output().slice(-3000)}`);
  });
}

const secrets = async () =>
  (await getJson<KubeList<Secret>>(hub.apiUrl, '/api/v1/namespaces/kube-system/secrets')).items
    .map((s) => `${s.metadata.name}@${s.metadata.resourceVersion}`)
    .sort();

const cli = async (args: string[]) => {
  const r = await drover([...args, '--kubeconfig', hub.kubeconfig]);
  assert.is(r.code, 0, `drover ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

let board1: AgentProcess;

test('takeover: the fleet token cannot join as an existing board; it stays connected and Ready', async () => {
  board1 = agent('board-1');
  await ready('board-1', 'True', board1);
  const before = await secrets();
  const thief = agent('board-1');
  const code = await thief.exited;
  assert.is(code, 1, thief.output());
  assert.match(thief.output(), /refused the join of board-1.*already has a live credential/);
  assert.match(thief.output(), /drover node reset board-1/);
  assert.not.ok(existsSync(join(thief.dataDir, 'credentials.json')), 'the thief got no credential');
  assert.equal(await secrets(), before, 'no credential changed');
  const events = await getJson<KubeList<Event>>(hub.apiUrl, '/api/v1/namespaces/default/events');
  const ev = events.items.find((e) => e.involvedObject.name === 'board-1' && e.reason === 'JoinRefused');
  assert.is(ev?.type, 'Warning');
  assert.is(board1.proc.exitCode, null, 'the real board runs on');
  assert.is(await nodeReady(hub.apiUrl, 'board-1'), 'True');
  assert.not.match(board1.output(), /refused|joining hub.*\n.*joining hub/);
});

test('a per-board single-use token joins its board once and no other', async () => {
  const line = await cli(['token', 'create', '--node', 'board-2']);
  assert.match(line, / --name board-2$/m);
  const token = tokenOfJoinLine(line);
  const wrong = agent('board-3', { hub: { mqttUrl: hub.mqttUrl, token } });
  assert.is(await wrong.exited, 1);
  assert.match(wrong.output(), /is for node board-2, not board-3/);
  const b2 = agent('board-2', { hub: { mqttUrl: hub.mqttUrl, token } });
  await ready('board-2', 'True', b2);
  const list = await cli(['token', 'list']);
  assert.match(list, new RegExp(`${token.split('.')[0]}\\s+\\S+\\s+board-2\\s+1/1`));
  await b2.stop();
  // Used up: even its own board, re-flashed, cannot join with it again.
  await cli(['node', 'reset', 'board-2']);
  const again = agent('board-2', { hub: { mqttUrl: hub.mqttUrl, token } });
  assert.is(await again.exited, 1);
  assert.match(again.output(), /refused the bootstrap token/);
});

test('a deleted token no longer joins; nothing is written', async () => {
  const token = tokenOfJoinLine(await cli(['token', 'create']));
  await cli(['token', 'delete', token.split('.')[0]!]);
  assert.not.match(await cli(['token', 'list']), new RegExp(token.split('.')[0]!));
  const before = await secrets();
  const a = agent('board-4', { hub: { mqttUrl: hub.mqttUrl, token } });
  assert.is(await a.exited, 1);
  assert.match(a.output(), /refused the bootstrap token/);
  assert.equal(await secrets(), before);
});

test('revoke: the board is disconnected at once, cannot reconnect nor re-join; reset lets it back', async () => {
  await cli(['node', 'revoke', 'board-1']);
  const code = await board1.exited;
  assert.is(code, 1, 'the agent gives up: its credential is refused and so is its re-join');
  assert.match(board1.output(), /revoked/);
  await ready('board-1', 'Unknown');
  await cli(['node', 'reset', 'board-1']);
  const back = agent('board-1', { dataDir: board1.dataDir });
  await ready('board-1', 'True', back);
});

test.run();
