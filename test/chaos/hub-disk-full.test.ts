// Chaos: the hub's disk fills up, real processes. The hub's data dir (store, WAL, audit log,
// PKI) is a small tmpfs of its own; a file fills it to the last byte. Writes then go on until
// the store's preallocated WAL space runs out (still durable), and from there each fails with
// a Kubernetes Status as kube-apiserver answers for etcd's "database space exceeded" (500,
// reason InternalError, the cause in the message). Checked: the hub keeps running and
// answering reads, boards stay connected, space back -> writes succeed again; and after a
// kill -9 and restart every acknowledged write is there (nothing acknowledged was lost).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hubApiClient } from '../../bench/lib/hub-client.js';
import { type Fleet, startFleet } from '../../bench/sim/fleet.js';
import type { ApiError } from '../../hub/api/errors.js';
import type { ConfigMap } from '../../shared/api/types.js';
import { type HubProcess, killAll, kubectl, startHubProcess } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { ChaosCase } from './chaos-case.js';
import { restartHub } from './hub-fixtures.js';

const TMPFS_SIZE = '32m';
const BOARDS = 5;
/** Writes tried after the disk is full before the test gives up waiting for a refusal. */
const MAX_WRITES = 3000;
const VALUE = 'x'.repeat(16 * 1024); // 16 KiB per ConfigMap: the WAL fills in a few hundred writes
const HUB_ARGS = ['--heartbeat-interval', '1s'];
const mnt = join(tempDir('drover-chaos-hub-disk-'), 'data');
let mounted = false;
let hub: HubProcess | undefined;
let fleet: Fleet | undefined;

test.after(async () => {
  await fleet?.stop();
  await killAll();
  if (mounted) spawnSync('umount', ['-l', mnt]);
  cleanupTempDirs();
});

const cm = (name: string): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels: { chaos: 'disk' } },
  data: { v: VALUE },
});

test('hub disk full: writes refused with a 500 Status, reads and boards served, recovery, nothing acknowledged lost', async () => {
  const cc = new ChaosCase('hub-disk-full', "the hub's disk full");
  mkdirSync(mnt, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', mnt]);
  mounted = true;
  hub = await startHubProcess({ dataDir: mnt, args: HUB_ARGS });
  const h = hub;
  fleet = await startFleet({
    hubUrl: h.mqttUrl,
    caPem: h.caPem,
    token: h.token,
    nodes: BOARDS,
    heartbeatIntervalMs: 1000,
    rampPerSecond: 0,
  });
  const f = fleet;
  await f.waitFor((c) => c.connected === BOARDS, 30_000, `${BOARDS} boards connected`);
  const api = hubApiClient(h.dataDir);
  const acked: string[] = [];
  for (let i = 0; i < 10; i++)
    acked.push((await api.create<ConfigMap>('configmaps', 'default', cm(`before-${i}`))).metadata.name ?? '');
  cc.did(
    `hub data dir (store, WAL, audit log, PKI) on its own ${TMPFS_SIZE} tmpfs; ${BOARDS} hollow boards; 10 ConfigMaps written`,
  );

  spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'fill')}`, 'bs=64k']); // ends with ENOSPC
  cc.did('filled the data dir filesystem to the last byte (dd until ENOSPC)');

  // Writes go on while the WAL's preallocated pages last; the first refusal ends the loop.
  let refusal: ApiError | undefined;
  for (let i = 0; i < MAX_WRITES && !refusal; i++) {
    try {
      acked.push((await api.create<ConfigMap>('configmaps', 'default', cm(`full-${i}`))).metadata.name ?? '');
    } catch (e) {
      refusal = e as ApiError;
    }
  }
  assert.ok(refusal, `a write was refused within ${MAX_WRITES} writes`);
  assert.is(refusal.code, 500, refusal.message);
  assert.is(refusal.reason, 'InternalError');
  assert.match(refusal.message, /no space left|disk is full/i);
  const k = await kubectl(['create', 'configmap', 'by-kubectl', '--from-literal=a=b'], {
    kubeconfig: h.kubeconfig,
  });
  assert.is.not(k.code, 0, k.stdout);
  assert.match(k.stderr, /Internal error occurred: the store's disk is full/, k.stderr);
  cc.checked(
    `${acked.length - 10} more writes acknowledged while the WAL had room, then refused: ${refusal.code} ${refusal.reason} "${refusal.message}"; kubectl: ${k.stderr.trim()}`,
  );

  // Still up, still serving reads and boards.
  assert.is(h.proc.exitCode, null, 'the hub is running');
  const listed = await api.list<ConfigMap>('configmaps', 'default', { labelSelector: 'chaos=disk' });
  assert.equal(
    listed.items.map((c) => c.metadata.name).sort(),
    [...acked].sort(),
    'reads: exactly the acknowledged writes',
  );
  // Many reads: each is audited, and the audit log's last page fills (its writes fail too).
  for (let i = 0; i < 100; i++)
    assert.is((await api.get<ConfigMap>('configmaps', 'default', `before-${i % 10}`)).data?.v, VALUE);
  assert.is(h.proc.exitCode, null, 'the hub is running after 100 audited reads');
  assert.is(f.counters().connected, BOARDS, 'boards still connected');
  cc.checked(
    `the hub kept running; LIST and 100 GETs answer with exactly the ${acked.length} acknowledged ConfigMaps (the audit log's writes failing meanwhile); ${BOARDS} boards still connected`,
  );

  rmSync(join(mnt, 'fill'));
  cc.did('removed the fill file');
  const after = await waitFor(
    async () => (await api.create<ConfigMap>('configmaps', 'default', cm('after-space'))).metadata.name,
    { timeoutMs: 30_000, what: 'a write accepted once space returned' },
  );
  acked.push(after ?? '');
  assert.is(h.proc.exitCode, null, 'the hub is running');
  cc.checked('writes accepted again as soon as space returned (no restart)');

  hub = await restartHub(h, HUB_ARGS, 'SIGKILL');
  const api2 = hubApiClient(hub.dataDir);
  const again = await api2.list<ConfigMap>('configmaps', 'default', { labelSelector: 'chaos=disk' });
  assert.equal(again.items.map((c) => c.metadata.name).sort(), [...acked].sort());
  cc.checked(`after kill -9 and restart: all ${acked.length} acknowledged ConfigMaps there, nothing else`);
  await f.stop();
  fleet = undefined;
  await hub.stop();
  cc.pass();
});

test.run();
