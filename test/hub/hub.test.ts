// startHub end to end in-process: files written, kubectl reads them, restart keeps state.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, statSync } from 'node:fs';
import { join as pjoin } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dataFiles } from '../../hub/hub.js';
import type { Node } from '../../shared/api/types.js';
import { delay, waitFor } from './controllers/wait.js';
import { connectNode, join, sendHeartbeat, sendStatus, tempDir, testHub } from './gateway/harness.js';

test('startHub writes endpoints, kubeconfig and a 0600 token; a restart keeps objects and the token', async () => {
  const dir = tempDir();
  try {
    const files = dataFiles(dir.path);
    const opts = { nodeGraceMs: 1000, heartbeatIntervalMs: 200 };
    let hub = await testHub(dir.path, opts);
    const endpoints = JSON.parse(readFileSync(files.endpoints, 'utf8'));
    assert.equal(endpoints, { api: hub.apiUrl, mqtt: hub.mqttUrl });
    assert.match(hub.mqttUrl, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
    assert.is(readFileSync(files.bootstrapToken, 'utf8').trim(), hub.bootstrapToken);
    assert.is(statSync(files.bootstrapToken).mode & 0o777, 0o600);
    assert.match(hub.bootstrapToken, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);

    const res = await join(hub, 'keep-me');
    const c = await connectNode(hub, 'keep-me', res.password!);
    await sendStatus(c, 'keep-me');
    await waitFor('node registered', () => hub.client.get<Node>('nodes', undefined, 'keep-me'));
    await c.endAsync(true);

    // Async: the API server runs in this process and must keep serving while kubectl waits.
    const { stdout: out } = await promisify(execFile)('kubectl', [
      '--kubeconfig',
      files.kubeconfig,
      'get',
      'nodes',
      '-o',
      'name',
    ]);
    assert.match(out, 'node/keep-me');
    const scrape = async () => (await fetch(`${hub.apiUrl}/metrics`)).text();
    await waitFor('the gateway is the one client left', async () =>
      /^drover_mqtt_clients 1$/m.test(await scrape()),
    );
    const metrics = await scrape();
    assert.match(metrics, /^drover_gateway_messages_received \d+$/m);
    // V8's committed heap per space beside the used (the heap's slack, issue #21).
    assert.match(metrics, /^nodejs_heap_space_size_total_bytes\{space="old_space"\} [1-9]\d*$/m);
    // glibc's malloc beside it, from the malloc_trim addon (built at npm ci and npm run build).
    assert.match(metrics, /^drover_malloc_arena_bytes [1-9]\d*$/m);
    assert.match(metrics, /^drover_malloc_free_bytes \d+$/m);

    // The agent is gone: the node goes NotReady before the restart.
    await waitFor('NotReady before restart', async () => {
      const n = await hub.client.get<Node>('nodes', undefined, 'keep-me');
      return n.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'Unknown';
    });
    const token = hub.bootstrapToken;
    const caHash = hub.caHash;
    await hub.stop();
    await hub.stop(); // idempotent

    hub = await testHub(dir.path, opts);
    try {
      assert.is(hub.bootstrapToken, token, 'same token after restart');
      assert.is(hub.caHash, caHash, 'same CA after restart: boards keep trusting it');
      const n = await hub.client.get<Node>('nodes', undefined, 'keep-me');
      assert.is(n.metadata.labels?.['kubernetes.io/hostname'], 'keep-me');
      const ep = JSON.parse(readFileSync(files.endpoints, 'utf8'));
      assert.is(ep.api, hub.apiUrl, 'endpoints rewritten');
      assert.match(readFileSync(pjoin(dir.path, 'kubeconfig'), 'utf8'), hub.apiUrl);
      // A restart does not make a NotReady node Ready before its agent is heard from...
      await delay(300);
      const still = await hub.client.get<Node>('nodes', undefined, 'keep-me');
      assert.is(still.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'Unknown');
      // ...the credential issued before the restart still works (stored hashed in the store)...
      const again = await connectNode(hub, 'keep-me', res.password!);
      await sendHeartbeat(again, 'keep-me');
      // ...and a heartbeat brings the node back.
      await waitFor('Ready after the agent is back', async () => {
        const x = await hub.client.get<Node>('nodes', undefined, 'keep-me');
        return (
          x.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && !x.spec.taints?.length
        );
      });
      await again.endAsync(true);
    } finally {
      await hub.stop();
    }
  } finally {
    dir.cleanup();
  }
});

test.run();
