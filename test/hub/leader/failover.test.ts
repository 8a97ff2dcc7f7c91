// Two hub processes on one 3-node NATS cluster: exactly one leads (runs the scheduler and the
// controllers); after kill -9 of the leader, the standby holds the lock within 5 s and runs them.

import { copyFileSync } from 'node:fs';
import { encryptionKeysPath } from '../../../hub/store/encryption-keys.js';
import { connect } from 'nats';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LEADER_BUCKET, LEADER_KEY } from '../../../hub/leader/kv-lock.js';
import type { LeaderRecord } from '../../../hub/leader/lock.js';
import { type NatsCluster, startNats } from '../../helpers/nats.js';
import { type HubProcess, killAll, startHubProcess } from '../../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

let nats: NatsCluster | undefined;

test.after(async () => {
  await killAll();
  await nats?.stop();
  cleanupTempDirs();
});

test('kill -9 of the leader hub: the standby leads within 5 s, and only one hub ever leads at once', async () => {
  nats = await startNats(3);
  const store = ['--store', nats.urls.join(','), '--store-replicas', '3'];
  // Hubs sharing a store share the key that encrypts Secrets in it (one EncryptionConfiguration).
  const first = await startHubProcess({ args: store });
  const secondDir = tempDir('drover-hub-');
  copyFileSync(encryptionKeysPath(first.dataDir), encryptionKeysPath(secondDir));
  const hubs: HubProcess[] = [first, await startHubProcess({ args: store, dataDir: secondDir })];
  const nc = await connect({ servers: nats.urls });
  try {
    const kv = await nc.jetstream().views.kv(LEADER_BUCKET);
    const holder = async (): Promise<string | undefined> => {
      const e = await kv.get(LEADER_KEY);
      return e?.operation === 'PUT' ? (JSON.parse(e.string()) as LeaderRecord).holderIdentity : undefined;
    };
    const pidOf = (identity: string) => Number(identity.split('-').at(-2));
    const first = await waitFor(holder, { what: 'a leader', timeoutMs: 20_000 });
    const leader = hubs.find((h) => h.pid === pidOf(first));
    const standby = hubs.find((h) => h.pid !== pidOf(first));
    assert.ok(leader && standby, `the lock holder ${first} is one of the two hubs`);
    await waitFor(() => leader.output().includes('leader: start controllers'), {
      what: 'the leader starts controllers',
    });
    assert.not.ok(standby.output().includes('leader: start'), 'the standby runs no leader work');

    await leader.kill9();
    const killedAt = Date.now();
    const next = await waitFor(
      async () => {
        const h = await holder();
        return h && h !== first ? h : undefined;
      },
      { what: 'a new lock holder', timeoutMs: 20_000, intervalMs: 50 },
    );
    const took = Date.now() - killedAt;
    assert.is(pidOf(next), standby.pid, 'the standby took the lock');
    // Bounded by the lease (3 s) plus one retry period; 5 s is the bound.
    assert.ok(took < 5_000, `standby led after ${took} ms`);
    await waitFor(() => standby.output().includes('leader: start controllers'), {
      what: 'the standby starts controllers',
    });
  } finally {
    await nc.close();
  }
});

test.run();
