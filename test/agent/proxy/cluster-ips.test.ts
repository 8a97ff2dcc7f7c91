// ClusterIPs on a real interface (root and iproute2, as the agent has on a board): an address a
// run added and the next run no longer needs is removed by that next run, from the file the
// first one kept; an address it did not add (the board's own) is never touched.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ClusterIps } from '../../../agent/proxy/cluster-ips.js';
import { createLogger } from '../../../shared/log.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';

const IFACE = 'drover-test-ci'; // a dummy link where the kernel has them, else lo
const [STALE, KEPT, BOARDS_OWN] = ['10.255.254.11', '10.255.254.12', '10.255.254.13'];
const log = createLogger('cluster-ips-test', 100);

const addresses = () => execFileSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' });
const del = (a: string) => {
  for (const dev of [IFACE, 'lo'])
    try {
      execFileSync('ip', ['addr', 'del', `${a}/32`, 'dev', dev], { stdio: 'ignore' });
    } catch {}
};

test.after(() => {
  for (const a of [STALE, KEPT, BOARDS_OWN]) del(a);
  try {
    execFileSync('ip', ['link', 'del', IFACE], { stdio: 'ignore' });
  } catch {}
  cleanupTempDirs();
});

test('a later run removes what an earlier run added and no longer needs, and nothing else', async () => {
  const state = join(tempDir('drover-cluster-ips-'), 'cluster-ips.json');
  const first = new ClusterIps(IFACE, log, state);
  await first.add(STALE);
  await first.add(KEPT);
  await first.prune(new Set([STALE, KEPT])); // the end of the proxy's table: records what it added
  assert.match(addresses(), ` ${STALE}/32`);
  // The board's own address on lo, which no run of the agent added.
  execFileSync('ip', ['addr', 'add', `${BOARDS_OWN}/32`, 'dev', 'lo']);

  // The first run dies without cleaning up (kill -9, power cut); the next prunes at its first table.
  const next = new ClusterIps(IFACE, log, state);
  await next.prune(new Set([KEPT]));
  const now = addresses();
  assert.not.match(now, ` ${STALE}/32`, 'the stale address went');
  assert.match(now, ` ${KEPT}/32`, 'the needed one stayed');
  assert.match(now, ` ${BOARDS_OWN}/32`, "the board's own address was not touched");

  // And the one after that still knows KEPT is the agent's.
  await new ClusterIps(IFACE, log, state).prune(new Set());
  assert.not.match(addresses(), ` ${KEPT}/32`);
});

test('a damaged or forged state file removes nothing and does not crash the agent', async () => {
  const file = join(tempDir('drover-cluster-ips-bad-'), 'cluster-ips.json');
  execFileSync('ip', ['addr', 'replace', `${BOARDS_OWN}/32`, 'dev', 'lo']);
  for (const text of [
    `{"addresses":{"${BOARDS_OWN}":"lo; ip link del eth0"}}`, // not an interface name
    '{"addresses":{"not-an-address":"lo"}}',
    '[1,2', // cut short by a power loss
  ]) {
    writeFileSync(file, text);
    await new ClusterIps(IFACE, log, file).prune(new Set());
    assert.match(addresses(), ` ${BOARDS_OWN}/32`, text);
  }
});

test.run();
