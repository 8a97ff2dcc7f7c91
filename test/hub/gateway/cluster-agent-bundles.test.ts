// The agent bundles of several hubs on one NATS cluster (hub/gateway/cluster-agent-bundles.ts),
// on a real nats-server: two hubs' sources, each on its own connection and data directory. A
// bundle only one hub has is put in the bucket by that hub, the other hub
// hears of it from the watch and then knows its SHA-256 and serves the same bytes; a hub whose
// own file of that version differs orders and serves the cluster's; the object store's digest
// reads as the hex SHA-256 the orders carry; a hub's bundle is in the bucket from its start,
// unasked, and is served after that hub is gone.

import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BundleNotFoundError } from '../../../hub/gateway/agent-bundles.js';
import { ClusterAgentBundles, digestSha256 } from '../../../hub/gateway/cluster-agent-bundles.js';
import { createLogger } from '../../../shared/log.js';
import { type NatsCluster, startNats } from '../../helpers/nats.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';
import { holdsFor, waitFor } from '../../helpers/wait.js';

let nats: NatsCluster;
const conns: NatsConnection[] = [];
const stops: (() => void)[] = [];

test.before(async () => {
  nats = await startNats(1);
});
test.after(async () => {
  for (const s of stops) s();
  for (const c of conns) await c.close();
  await nats.stop();
  cleanupTempDirs();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A hub's source on its own connection and directory, watched; changed: the versions it was told of. */
async function hubSource(files: Record<string, Buffer> = {}) {
  const dir = tempDir('drover-bundles-');
  for (const [v, data] of Object.entries(files)) writeFileSync(join(dir, `${v}.mjs`), data);
  const nc = await connect({ servers: nats.urls });
  conns.push(nc);
  const src = await ClusterAgentBundles.open(nc, dir, 1, createLogger('bundles', 50));
  const changed: string[] = [];
  stops.push(await src.watch((v) => changed.push(v)));
  return { src, changed, nc };
}

test('digest: the object store digest as the hex SHA-256, nothing else', () => {
  const sum = createHash('sha256').update('x').digest();
  const cases: [string, string | undefined][] = [
    [`SHA-256=${sum.toString('base64url')}=`, sum.toString('hex')],
    [`SHA-256=${sum.toString('base64url')}`, sum.toString('hex')],
    [`SHA-512=${sum.toString('base64url')}`, undefined],
    ['SHA-256=', undefined],
    [`SHA-256=${sum.subarray(0, 16).toString('base64url')}`, undefined],
  ];
  for (const [digest, want] of cases) assert.is(digestSha256(digest), want, digest);
});

test('a bundle on one hub: the other hub hears of it from the bucket, knows its sum and serves its bytes', async () => {
  const v2 = Buffer.from('console.log("v2")\n'.repeat(20_000)); // ~360 KB: several chunks
  const b = await hubSource();
  assert.is(b.src.sha256('v2'), undefined, 'B has none yet');
  const none = await Promise.resolve(b.src.read('v2')).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(none, BundleNotFoundError);
  const a = await hubSource({ v2 });
  assert.is(a.src.sha256('v2'), sha(v2), 'A orders its own at once');
  await waitFor(() => b.changed.includes('v2'), { what: 'B told of v2 by the bucket' });
  assert.is(b.src.sha256('v2'), sha(v2));
  const got = await b.src.read('v2');
  assert.is(got.sha256, sha(v2));
  assert.ok(got.data.equals(v2), 'the same bytes');
  // A board wave asks at once: one read of the bucket serves them all, the same bytes each.
  const many = await Promise.all([1, 2, 3].map(() => b.src.read('v2')));
  assert.ok(many.every((m) => m.data.equals(v2)));
  assert.is((await a.src.read('v2')).sha256, sha(v2), 'A serves its own file');
  assert.ok(a.changed.includes('v2'), 'A hears of its own put too');
});

test("a hub's own file that differs from the cluster's: the cluster's is ordered and served", async () => {
  const v3 = Buffer.from('console.log("v3")\n');
  const other = Buffer.from('console.log("not v3")\n');
  const a = await hubSource({ v3 });
  assert.is(a.src.sha256('v3'), sha(v3));
  await waitFor(() => a.changed.includes('v3'), { what: "A's v3 in the bucket" });
  const c = await hubSource({ v3: other });
  await waitFor(() => c.src.sha256('v3') === sha(v3), { what: "C knows the cluster's v3" });
  const got = await c.src.read('v3');
  assert.ok(got.data.equals(v3), "C serves the cluster's bytes, not its own file");
  // C never put its own file over the cluster's: had it, A's watch (and a hub coming after) would
  // hear of the other sum within the hold.
  const d = await hubSource();
  await holdsFor(() => [a, c, d].every((h) => h.src.sha256('v3') === sha(v3)), {
    durationMs: 1500,
    what: "every hub on the cluster's v3",
  });
});

test('a bundle in a hub directory is put in the bucket at its start, unasked, and outlives that hub', async () => {
  const v4 = Buffer.from('console.log("v4")\n');
  const a = await hubSource({ v4 });
  await waitFor(() => a.changed.includes('v4'), { what: "A's v4 in the bucket without any order" });
  await a.nc.close(); // A is gone
  const b = await hubSource();
  assert.is(b.src.sha256('v4'), sha(v4), 'B knows it from the bucket as it starts');
  assert.ok((await b.src.read('v4')).data.equals(v4));
});

test.run();
