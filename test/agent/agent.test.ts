// The agent against a real aedes broker with a minimal join answerer (test/helpers/mini-hub).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent, CredentialRefusedError, NoCredentialError } from '../../agent/agent.js';
import { validateAgentConfig } from '../../agent/config.js';
import { loadCredential } from '../../agent/credentials.js';
import { JoinRefusedError } from '../../agent/join.js';
import { createLogger } from '../../shared/log.js';
import { startMiniHub } from '../helpers/mini-hub.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'abcdef.0123456789abcdef';
const log = createLogger('test-agent', 40);
const agents: Agent[] = [];

function newAgent(hubUrl: string, dataDir: string, extra: Record<string, unknown> = {}) {
  const cfg = validateAgentConfig({
    hub: hubUrl,
    name: 'board-1',
    dataDir,
    heartbeatInterval: '200ms',
    token: TOKEN,
    ...extra,
  });
  const a = new Agent(cfg, log);
  agents.push(a);
  return a;
}

test.after.each(async () => {
  for (const a of agents.splice(0)) await a.stop('test end');
});
test.after(() => cleanupTempDirs());

test('joins once, saves the credential 0600, reports status and heartbeats', async () => {
  const hub = await startMiniHub({ token: TOKEN });
  const dir = tempDir();
  try {
    const a = newAgent(hub.url, dir, { labels: 'zone=lab,tier=edge' });
    await a.start();
    await waitFor(() => hub.statuses.length > 0 && hub.heartbeats.length >= 2, {
      what: 'status and two heartbeats',
    });
    assert.equal(hub.joins, ['board-1']);
    const st = statSync(join(dir, 'credentials.json'));
    assert.is(st.mode & 0o777, 0o600);
    assert.is(loadCredential(dir, 'board-1')?.username, 'node:board-1');
    const s = hub.statuses[0];
    assert.is(s.nodeName, 'board-1');
    // Unprefixed --labels keys go under drover.io/ (node restriction: boards set only those).
    assert.equal(s.labels, { 'drover.io/zone': 'lab', 'drover.io/tier': 'edge' });
    assert.ok(/^\d+Ki$/.test(s.capacity.memory), s.capacity.memory);
    assert.is(s.capacity.pods, '110');
    assert.is(s.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    assert.ok(s.conditions.some((c) => c.type === 'RuntimeReady'));
    assert.ok(['amd64', 'arm64', 'arm'].includes(s.nodeInfo.architecture));
    const seqs = hub.heartbeats.map((h) => h.hb.seq);
    assert.ok(seqs[1] > seqs[0], 'heartbeat sequence increases');
  } finally {
    await hub.close();
  }
});

test('restart reuses the credential (no second join); stop sends a shutdown will', async () => {
  const hub = await startMiniHub({ token: TOKEN });
  const dir = tempDir();
  try {
    const a = newAgent(hub.url, dir);
    await a.start();
    await waitFor(() => hub.statuses.length > 0, { what: 'first status' });
    await a.stop();
    assert.equal(
      hub.wills.map((w) => w.will.reason),
      ['shutdown'],
    );
    const b = newAgent(hub.url, dir);
    await b.start();
    await waitFor(() => hub.statuses.length > 1, { what: 'status after restart' });
    assert.is(b.joins, 0);
    assert.equal(hub.joins, ['board-1']);
  } finally {
    await hub.close();
  }
});

test('desired state is kept and persisted; an older revision is ignored', async () => {
  const hub = await startMiniHub({ token: TOKEN });
  const dir = tempDir();
  try {
    const a = newAgent(hub.url, dir);
    await a.start();
    await waitFor(() => hub.statuses.length > 0, { what: 'connect' });
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod' as const,
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [] },
    };
    await hub.publishDesired('board-1', { revision: 7, pods: [pod] });
    await waitFor(() => a.desired.current?.revision === 7, { what: 'desired revision 7' });
    await hub.publishDesired('board-1', { revision: 3, pods: [] });
    await hub.publishDesired('board-1', { revision: 8, pods: [pod, pod] });
    await waitFor(() => a.desired.current?.revision === 8, { what: 'desired revision 8' });
    // One on-disk copy: the pod manager's cache (owner-only, it may hold Secrets).
    const cache = join(dir, 'pods-cache.json');
    await waitFor(() => JSON.parse(readFileSync(cache, 'utf8')).revision === 8, { what: 'cache at 8' });
    assert.is(JSON.parse(readFileSync(cache, 'utf8')).pods.length, 2);
    assert.is(statSync(cache).mode & 0o777, 0o600);
    assert.not.ok(existsSync(join(dir, 'desired.json')), 'no second copy');
  } finally {
    await hub.close();
  }
});

test('reconnects by itself after the broker restarts on the same port', async () => {
  let hub = await startMiniHub({ token: TOKEN });
  const dir = tempDir();
  const port = hub.port;
  try {
    const a = newAgent(hub.url, dir);
    await a.start();
    await waitFor(() => hub.statuses.length > 0, { what: 'connect' });
    await hub.close();
    hub = await startMiniHub({ token: TOKEN, port });
    // The new broker does not know the credential: the agent re-joins with its token.
    await waitFor(() => hub.statuses.length > 0, { what: 'status on the new broker', timeoutMs: 15_000 });
    assert.is(a.joins, 2);
  } finally {
    await hub.close();
  }
});

test('a hub list: past an unreachable first hub to the next; when that hub dies, on to the next one', async () => {
  const creds = new Map<string, string>();
  const a = await startMiniHub({ token: TOKEN, creds });
  const b = await startMiniHub({ token: TOKEN, creds });
  const gone = await startMiniHub({ token: TOKEN });
  await gone.close(); // a port nothing listens on any more
  const dir = tempDir();
  try {
    const agent = newAgent(`${gone.url},${a.url},${b.url}`, dir);
    await agent.start();
    await waitFor(() => a.statuses.length > 0, { what: 'status through the second hub' });
    assert.equal(a.joins, ['board-1']);
    await a.close();
    await waitFor(() => b.statuses.length > 0 && b.heartbeats.length > 0, {
      what: 'status and heartbeats through the third hub after the second died',
    });
    assert.equal(b.joins, [], 'the credential from the first join is used, no second join');
  } finally {
    await b.close();
  }
});

test('a refused credential without a token is a fatal, clear error', async () => {
  const hub = await startMiniHub({ token: TOKEN });
  const dir = tempDir();
  try {
    const a = newAgent(hub.url, dir);
    await a.start();
    await waitFor(() => hub.statuses.length > 0, { what: 'connect' });
    await a.stop();
    hub.revoke('board-1');
    const b = newAgent(hub.url, dir, { token: undefined });
    await b.start();
    const err = await b.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(err, CredentialRefusedError);
    assert.match((err as Error).message, /--token/);
  } finally {
    await hub.close();
  }
});

test('no credential and no token; a wrong token is refused', async () => {
  const hub = await startMiniHub({ token: TOKEN });
  try {
    const a = newAgent(hub.url, tempDir(), { token: undefined });
    let err: unknown;
    try {
      await a.start();
    } catch (e) {
      err = e;
    }
    assert.instance(err, NoCredentialError);
    const b = newAgent(hub.url, tempDir(), { token: 'zzzzzz.0123456789abcdef' });
    err = undefined;
    try {
      await b.start();
    } catch (e) {
      err = e;
    }
    assert.instance(err, JoinRefusedError);
  } finally {
    await hub.close();
  }
});

test.run();
