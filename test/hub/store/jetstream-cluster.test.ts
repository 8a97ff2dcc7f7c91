// The store on a 3-node JetStream cluster with 3 replicas: kill -9 of the server that leads the
// bucket's stream while a client writes; every write acknowledged to the client is still there,
// with its revision, and writes go on through the survivors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JetStreamStore } from '../../../hub/store/jetstream.js';
import { type NatsCluster, startNats } from '../../helpers/nats.js';
import { quietLog, waitFor } from './fixtures/helpers.js';

let cluster: NatsCluster | undefined;

test.after(async () => {
  await cluster?.stop();
});

test('kill -9 of the stream leader during writes loses no acknowledged write', async () => {
  cluster = await startNats(3);
  const o = { servers: cluster.urls, bucket: 'r3', replicas: 3, log: quietLog, compactIntervalMs: 0 };
  const store = await JetStreamStore.open(o);
  const acked = new Map<string, number>();
  let failed = 0;
  let lastError = '';
  let stop = false;
  const writer = (async () => {
    for (let i = 0; !stop && i < 5000; i++) {
      try {
        const kv = await store.create(`/w/${i}`, `v${i}`);
        acked.set(kv.key, kv.modRevision);
      } catch (err) {
        failed++; // not acknowledged: the test claims nothing about it
        lastError = String(err);
        await new Promise((r) => setTimeout(r, 100)); // a client backs off while the cluster elects
      }
    }
  })();
  try {
    await waitFor(() => acked.size >= 50, '50 acknowledged writes before the fault', 60_000);
    const nc = store.connection;
    const jsm = await nc.jetstreamManager();
    const leader = (await jsm.streams.info('KV_r3')).cluster?.leader;
    const victim = cluster.nodes.findIndex((n) => n.name === leader);
    assert.ok(victim >= 0, `stream leader ${leader} is one of the nodes`);
    const before = acked.size;
    await cluster.kill9(victim);
    await waitFor(
      () => acked.size >= before + 50,
      '50 more acknowledged writes after the kill',
      60_000,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}: ${acked.size - before} acked, ${failed} failed, last error ${lastError}`,
      );
    });
    stop = true;
    await writer;

    // A new client on the survivors sees every acknowledged write at its revision.
    const survivors = cluster.urls.filter((_, i) => i !== victim);
    const check = await JetStreamStore.open({ ...o, servers: survivors });
    try {
      const items = new Map((await check.list('/w/')).items.map((kv) => [kv.key, kv.modRevision]));
      const missing = [...acked].filter(([k, rev]) => items.get(k) !== rev);
      assert.equal(missing, [], `every acknowledged write is there (${acked.size} acked, ${failed} failed)`);
    } finally {
      await check.close();
    }
  } finally {
    stop = true;
    await writer;
    await store.close();
  }
});

test.run();
