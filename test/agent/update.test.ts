// Agent self-update, the board's own rules (agent/update/): the launcher's fall back / count
// start steps as a table, and the updater against a tampered bundle (bytes that are not the
// order's SHA-256): refused, nothing stored, nothing swapped, no restart. The whole flow on
// real processes is test/agent/self-update.test.ts.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nextStart } from '../../agent/update/launcher.js';
import { bundlePath, readState, type UpdateState, writeState } from '../../agent/update/state.js';
import { AgentUpdater } from '../../agent/update/updater.js';
import { createLogger } from '../../shared/log.js';
import { topics } from '../../shared/mqtt/topics.js';
import { type AgentUpdateOrder, encode, encodeBundle } from '../../shared/protocol/messages.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

test.after(() => cleanupTempDirs());

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

test("updater: a bundle whose bytes are not the order's SHA-256 is refused; the right one is swapped in", () => {
  const dataDir = tempDir('drover-update-unit-');
  mkdirSync(dataDir, { recursive: true });
  const published: string[] = [];
  const client = { publish: (topic: string) => published.push(topic) } as unknown as MqttClient;
  let restarts = 0;
  const u = new AgentUpdater({
    node: 'b1',
    dataDir,
    running: 'v1',
    log: createLogger('test', 40),
    restart: () => restarts++,
  });
  const good = Buffer.from('console.log("v2")\n');
  const sha256 = createHash('sha256').update(good).digest('hex');
  u.handle(client, topics.agentUpdate('b1'), encode<AgentUpdateOrder>({ version: 'v2', sha256 }));
  assert.equal(published, [topics.bundleRequest('b1')], 'the bundle is asked for');
  // The attacker's bytes under the right version and a matching header checksum of their own.
  const evil = Buffer.from('process.exit(0)\n');
  const evilSum = createHash('sha256').update(evil).digest('hex');
  u.handle(client, topics.bundle('b1'), encodeBundle({ version: 'v2', sha256: evilSum }, evil));
  assert.is(restarts, 0, 'no restart');
  assert.not.ok(existsSync(bundlePath(dataDir, 'v2')), 'nothing stored');
  assert.equal(readState(dataDir), {}, 'nothing swapped');
  // Another node's topics are not this agent's.
  assert.not.ok(u.handle(client, topics.bundle('b2'), encodeBundle({ version: 'v2', sha256 }, good)));
  // The real bundle (asked again on the next order) goes in.
  u.handle(client, topics.agentUpdate('b1'), encode<AgentUpdateOrder>({ version: 'v2', sha256 }));
  u.handle(client, topics.bundle('b1'), encodeBundle({ version: 'v2', sha256 }, good));
  assert.is(restarts, 1);
  assert.ok(existsSync(bundlePath(dataDir, 'v2')));
  assert.equal(readState(dataDir), { current: 'v2', trial: { version: 'v2', starts: 0 } });
  // A version that failed here before is not taken again.
  writeState(dataDir, { current: 'v1', failed: ['v2'] });
  published.length = 0;
  const again = new AgentUpdater({
    node: 'b1',
    dataDir,
    running: 'v1',
    log: createLogger('test', 40),
    restart: () => restarts++,
  });
  again.handle(client, topics.agentUpdate('b1'), encode<AgentUpdateOrder>({ version: 'v2', sha256 }));
  assert.equal(published, [], 'no fetch of a failed version');
});

test.run();
