// The agent bundle (scripts/bundle-agent.mjs) and the helpers the agent benchmarks stand on
// (bench/lib/agent-procs.ts, agent-node-watch.ts): the bundle carries no native addon and no
// gRPC, runs as the agent both as CommonJS (.cjs, shipped) and as an ES module (.mjs, the name
// self-update stores bundles under), joins a real hub, and a watch on nodes sees it Ready, then
// NotReady after kill -9.

import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NodeReadyWatch } from '../../bench/lib/agent-node-watch.js';
import { type HubProc, startAgentProc, startHubProc } from '../../bench/lib/agent-procs.js';
import { nodeBinary, nodeVersion } from '../../bench/lib/node-binary.js';
import { hubApiClient } from '../../bench/lib/hub-client.js';
import { NO_CLUSTER_DNS } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = tempDir('drover-bundle-test-');
const bundle = join(dir, 'drover-agent.cjs');
/** The same file under the name self-update gives it (agent/update/state.ts): loaded as an ES module. */
const bundleAsModule = join(dir, 'drover-agent.mjs');
let hub: HubProc | undefined;

test.after(async () => {
  await hub?.stop();
  cleanupTempDirs();
});

test('bundle-agent.mjs writes one file without native addons or gRPC', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/bundle-agent.mjs'), '--outfile', bundle], {
    encoding: 'utf8',
  });
  assert.is(r.status, 0, r.stderr);
  const text = readFileSync(bundle, 'utf8');
  assert.not.match(text, /\.node['"]\)/, 'no require of a .node addon');
  assert.not.match(text, /@grpc\/grpc-js/, 'gRPC is stubbed');
  copyFileSync(bundle, bundleAsModule);
  for (const file of [bundle, bundleAsModule]) {
    const help = spawnSync(process.execPath, [file, '--help'], { encoding: 'utf8' });
    assert.is(help.status, 0, help.stderr);
    assert.match(help.stdout, /Usage: drover agent/);
  }
});

test('the bundled agent joins a hub: Ready, then NotReady after kill -9, as a watch sees it', async () => {
  hub = await startHubProc(join(dir, 'hub'));
  const watch = new NodeReadyWatch(hubApiClient(hub.dataDir));
  await watch.start();
  try {
    const agent = startAgentProc({
      mqtt: hub.mqtt,
      token: hub.token,
      caHash: hub.caHash,
      name: 'bundled-1',
      dataDir: join(dir, 'agent'),
      entry: bundleAsModule,
      env: NO_CLUSTER_DNS,
    });
    await watch.waitFor('bundled-1', true, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${agent.output()}`);
    });
    assert.is(watch.readyCount(['bundled-1']), 1);
    const t0 = Date.now();
    await agent.kill9();
    const at = await watch.waitFor('bundled-1', false, 30_000);
    assert.ok(at >= t0, 'NotReady seen after the kill');
    const reason = watch.node('bundled-1')?.status?.conditions?.find((c) => c.type === 'Ready')?.reason;
    assert.is(reason, 'AgentDisconnected');
  } finally {
    watch.stop();
  }
});

test('the bundle runs on Node 18 (from the npm registry) with its shipped flags and joins: Ready', async () => {
  const node18 = nodeBinary('18');
  assert.match(nodeVersion(node18), /^v18\./);
  const first = readFileSync(bundle, 'utf8').split('\n', 1)[0];
  const flags = first
    .replace(/^#!\S*env -S node\s*/, '')
    .split(/\s+/)
    .filter(Boolean);
  assert.ok(flags.includes('--lite-mode'), first);
  hub ??= await startHubProc(join(dir, 'hub'));
  const watch = new NodeReadyWatch(hubApiClient(hub.dataDir));
  await watch.start();
  try {
    const agent = startAgentProc({
      mqtt: hub.mqtt,
      token: hub.token,
      caHash: hub.caHash,
      name: 'bundled-18',
      dataDir: join(dir, 'agent-18'),
      entry: bundle,
      node: node18,
      nodeArgs: flags,
      env: NO_CLUSTER_DNS,
    });
    await watch.waitFor('bundled-18', true, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${agent.output()}`);
    });
    assert.not.match(agent.output(), /Warning|Error/);
    await agent.stop();
  } finally {
    watch.stop();
  }
});

test.run();
