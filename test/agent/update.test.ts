// Agent self-update, the board's own rules (agent/update/): the launcher's fall back / count
// start steps as a table, and the updater as an attacker would try it, with real keys: orders
// unsigned, signed by another CA, with the hub's signature of another bundle or version, or a
// broken signature, and bytes that are not the signed SHA-256: each refused with one Warning
// event, nothing fetched, stored or swapped, no restart; a fetch cut by a lost connection is
// asked again on the next. The whole flow on real processes is test/agent/self-update.test.ts.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeFlagsOfShebang } from '../../agent/update/bundle-flags.js';
import { nextStart, runLauncher } from '../../agent/update/launcher.js';
import { bundlePath, readState, type UpdateState, writeState } from '../../agent/update/state.js';
import { AgentUpdater } from '../../agent/update/updater.js';
import { createLogger } from '../../shared/log.js';
import { topics } from '../../shared/mqtt/topics.js';
import { loadOrCreateCa } from '../../hub/auth/pki.js';
import { signBundleOrder } from '../../shared/protocol/bundle-signature.js';
import { type AgentUpdateOrder, encode, encodeBundle } from '../../shared/protocol/messages.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitUntil } from '../helpers/wait.js';

test.after(() => cleanupTempDirs());

test('bundle flags: the node flags of a first line, none from any other line', () => {
  const cases: [string, string[]][] = [
    [
      '#!/usr/bin/env -S node --max-old-space-size=32 --lite-mode',
      ['--max-old-space-size=32', '--lite-mode'],
    ],
    ['#!/usr/bin/env -S node', []],
    ['#!/usr/bin/env node', []],
    ['#!/usr/bin/env -S node --lite-mode; rm -rf /', []],
    ['#!/usr/bin/env -S python3 --x', []],
    ['"use strict";', []],
    ['', []],
  ];
  for (const [line, want] of cases) assert.equal(nodeFlagsOfShebang(line), want, line);
});

test('launcher: starts the bundle with the node flags its first line names', async () => {
  const dir = tempDir('drover-launcher-flags-');
  const seen = join(dir, 'exec-argv.json');
  const bundle = join(dir, 'shipped.cjs');
  writeFileSync(
    bundle,
    `#!/usr/bin/env -S node --max-old-space-size=32 --stack-size=900\nrequire('node:fs').writeFileSync(${JSON.stringify(seen)}, JSON.stringify(process.execArgv));\nsetInterval(() => {}, 1000);\n`,
  );
  const done = runLauncher({
    dataDir: join(dir, 'data'),
    shipped: bundle,
    args: [],
    log: createLogger('test-launcher'),
  });
  try {
    // written in one call, but seen between its open and its write it is empty
    await waitUntil(
      'the bundle to write its execArgv',
      () => existsSync(seen) && readFileSync(seen, 'utf8') !== '',
      20_000,
      20,
    );
  } finally {
    process.emit('SIGTERM', 'SIGTERM'); // the launcher's own handler: stop the agent and return
    await done;
  }
  assert.equal(JSON.parse(readFileSync(seen, 'utf8')), ['--max-old-space-size=32', '--stack-size=900']);
});

test('launcher: a trial counts its starts and falls back after the last one', () => {
  const cases: [string, UpdateState, UpdateState, string | undefined][] = [
    ['no update: as is', { current: 'a' }, { current: 'a' }, undefined],
    [
      'first start of b',
      { current: 'b', previous: 'a', trial: { version: 'b', starts: 0 } },
      { current: 'b', previous: 'a', trial: { version: 'b', starts: 1 } },
      undefined,
    ],
    [
      'third start of b',
      { current: 'b', previous: 'a', trial: { version: 'b', starts: 2 } },
      { current: 'b', previous: 'a', trial: { version: 'b', starts: 3 } },
      undefined,
    ],
    [
      'b never confirmed: back to a',
      { current: 'b', previous: 'a', trial: { version: 'b', starts: 3 } },
      { current: 'a', failed: ['b'] },
      'b',
    ],
    [
      'back to the shipped bundle',
      { current: 'b', trial: { version: 'b', starts: 3 }, failed: ['x'] },
      { current: undefined, failed: ['x', 'b'] },
      'b',
    ],
  ];
  for (const [name, from, want, fellBack] of cases) {
    const r = nextStart(from, 3);
    assert.equal(r.state, want, name);
    assert.is(r.fellBack, fellBack, name);
  }
});

interface Rig {
  u: AgentUpdater;
  dataDir: string;
  published: string[];
  events: string[];
  restarts: () => number;
  order(o: Omit<AgentUpdateOrder, 'v'>): void;
  bundle(version: string, data: Buffer): void;
}

/** A real updater on a temp data dir that pinned `pinned` (or none), with a stand-in MQTT client. */
function rig(pinned: string | undefined, dataDir = tempDir('drover-update-unit-')): Rig {
  mkdirSync(dataDir, { recursive: true });
  const published: string[] = [];
  const events: string[] = [];
  let restarts = 0;
  const client = { publish: (topic: string) => published.push(topic) } as unknown as MqttClient;
  const u = new AgentUpdater({
    node: 'b1',
    dataDir,
    running: 'v1',
    log: createLogger('test', 50),
    restart: () => restarts++,
    hubCa: () => pinned,
    event: (type, reason, message) => events.push(`${type} ${reason}: ${message}`),
  });
  return {
    u,
    dataDir,
    published,
    events,
    restarts: () => restarts,
    order: (o) => u.handle(client, topics.agentUpdate('b1'), encode<AgentUpdateOrder>(o)),
    bundle: (version, data) =>
      u.handle(
        client,
        topics.bundle('b1'),
        encodeBundle({ version, sha256: createHash('sha256').update(data).digest('hex') }, data),
      ),
  };
}

const sumOf = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const good = Buffer.from('console.log("v2")\n');
const evil = Buffer.from('process.exit(0)\n');

/** Nothing happened on the board: no fetch, nothing stored or swapped, no restart, one clear event. */
function refused(r: Rig, name: string, why: RegExp): void {
  assert.is(r.restarts(), 0, `${name}: no restart`);
  assert.not.ok(existsSync(bundlePath(r.dataDir, 'v2')), `${name}: nothing stored`);
  assert.equal(readState(r.dataDir), {}, `${name}: nothing swapped`);
  assert.is(r.events.length, 1, `${name}: one event`);
  assert.match(r.events[0], /^Warning AgentUpdateRefused: agent (version|bundle) v2 refused: /, name);
  assert.match(r.events[0], why, name);
  assert.match(r.events[0], /staying on v1$/, name);
}

test('updater: orders not signed by the pinned hub CA are refused before any fetch', async () => {
  const hubCa = await loadOrCreateCa(tempDir('drover-update-hub-'));
  const attackerCa = await loadOrCreateCa(tempDir('drover-update-attacker-'));
  const sha256 = sumOf(evil);
  const cases: [string, string | undefined, Omit<AgentUpdateOrder, 'v'>, RegExp][] = [
    ['unsigned', hubCa.certPem, { version: 'v2', sha256 }, /not signed/],
    [
      "signed with the attacker's own CA key",
      hubCa.certPem,
      { version: 'v2', sha256, signature: signBundleOrder(attackerCa.keyPem, 'v2', sha256) },
      /does not verify against the hub CA pinned at join/,
    ],
    [
      "the hub's signature of another bundle's sum",
      hubCa.certPem,
      { version: 'v2', sha256, signature: signBundleOrder(hubCa.keyPem, 'v2', sumOf(good)) },
      /does not verify/,
    ],
    [
      "the hub's signature of another version (replayed)",
      hubCa.certPem,
      { version: 'v2', sha256, signature: signBundleOrder(hubCa.keyPem, 'v3', sha256) },
      /does not verify/,
    ],
    [
      'a truncated signature',
      hubCa.certPem,
      { version: 'v2', sha256, signature: signBundleOrder(hubCa.keyPem, 'v2', sha256).slice(0, 20) },
      /does not verify/,
    ],
    [
      'not base64 at all',
      hubCa.certPem,
      { version: 'v2', sha256, signature: '\u0000💥'.repeat(50) },
      /does not verify/,
    ],
    [
      'no pinned CA (plain MQTT hub)',
      undefined,
      { version: 'v2', sha256, signature: signBundleOrder(hubCa.keyPem, 'v2', sha256) },
      /no hub CA pinned/,
    ],
  ];
  // An order for the running version is not fetched; a forged one must not open the door to
  // bytes sent under that version either.
  const running = rig(hubCa.certPem);
  running.order({ version: 'v1', sha256 });
  running.bundle('v1', evil);
  assert.is(running.restarts(), 0, 'running version: no restart');
  assert.not.ok(existsSync(bundlePath(running.dataDir, 'v1')), 'running version: nothing stored');
  assert.equal(readState(running.dataDir), {}, 'running version: nothing swapped');
  for (const [name, pinned, order, why] of cases) {
    const r = rig(pinned);
    r.order(order);
    assert.equal(r.published, [], `${name}: the bundle is not even asked for`);
    // The attacker's bytes arrive anyway (as if answered): not taken without a good order.
    r.bundle('v2', evil);
    refused(r, name, why);
  }
});

test("updater: a signed order, then bytes that are not its SHA-256: refused; the hub's bundle is swapped in", async () => {
  const hubCa = await loadOrCreateCa(tempDir('drover-update-hub-'));
  const sha256 = sumOf(good);
  const order = { version: 'v2', sha256, signature: signBundleOrder(hubCa.keyPem, 'v2', sha256) };
  const r = rig(hubCa.certPem);
  r.order(order);
  assert.equal(r.published, [topics.bundleRequest('b1')], 'the bundle is asked for');
  // The attacker's bytes under the right version, with a header checksum of their own.
  r.bundle('v2', evil);
  refused(r, 'tampered bytes', /its SHA-256 \w+ is not the signed order's/);
  // Another node's topics are not this agent's.
  assert.not.ok(
    r.u.handle({} as MqttClient, topics.bundle('b2'), encodeBundle({ version: 'v2', sha256 }, good)),
  );
  // The real bundle (asked again on the next order) goes in.
  r.order(order);
  r.bundle('v2', good);
  assert.is(r.restarts(), 1);
  assert.ok(existsSync(bundlePath(r.dataDir, 'v2')));
  assert.equal(readState(r.dataDir), { current: 'v2', trial: { version: 'v2', starts: 0 } });
  // A version that failed here before is not taken again.
  writeState(r.dataDir, { current: 'v1', failed: ['v2'] });
  const again = rig(hubCa.certPem, r.dataDir);
  again.order(order);
  assert.equal(again.published, [], 'no fetch of a failed version');
});

test('updater: a bundle asked for on a connection that closed is asked for again on the next one', async () => {
  // A hub that dies (or a failover to another hub) between the request and the answer: the
  // retained order comes again from the hub the board reconnects to, and must fetch again.
  const hubCa = await loadOrCreateCa(tempDir('drover-update-hub-'));
  const sha256 = sumOf(good);
  const order = { version: 'v2', sha256, signature: signBundleOrder(hubCa.keyPem, 'v2', sha256) };
  const r = rig(hubCa.certPem);
  r.order(order);
  r.order(order); // the same order again on the same connection: the answer is on its way
  assert.equal(r.published, [topics.bundleRequest('b1')], 'one request per connection');
  r.u.connected();
  r.order(order);
  assert.equal(r.published, [topics.bundleRequest('b1'), topics.bundleRequest('b1')], 'asked again');
  r.bundle('v2', good);
  assert.is(r.restarts(), 1);
});

test.run();
