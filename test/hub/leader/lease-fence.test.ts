// The leader's lease fence: a leader whose renewal hangs (or whose event loop stalled) stops
// holding its lease once the renew deadline has passed since the last renewal it sent, before
// any candidate may take over (a whole lease later); a fenced in-process client then refuses
// the leader's writes and still serves reads. Two leaders writing at once was seen in the
// NATS chaos case (test/chaos/hubs-kill9-rollout) before the fence.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ServiceUnavailableError } from '../../../hub/api/errors.js';
import { LeaderElector } from '../../../hub/leader/elector.js';
import {
  type LeaderLock,
  type LeaderRecord,
  LockConflictError,
  type LockState,
} from '../../../hub/leader/lock.js';
import { createLogger } from '../../../shared/log.js';
import { startApi } from '../api/helpers.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * An in-memory CAS lock whose writes for one holder can be made to hang, as a NATS request can
 * (a unit of the elector's timing rule; the real KV lock runs in test/hub/leader/failover.test.ts).
 */
class MemoryLock implements LeaderLock {
  state: LockState | undefined;
  hangFor: string | undefined;
  async read() {
    return this.state;
  }
  async create(r: LeaderRecord) {
    if (this.state) throw new LockConflictError('mem');
    this.state = { record: r, revision: 1 };
    return 1;
  }
  async update(r: LeaderRecord, revision: number) {
    if (r.holderIdentity === this.hangFor) await new Promise(() => {}); // never answers
    if (this.state?.revision !== revision) throw new LockConflictError('mem');
    this.state = { record: r, revision: revision + 1 };
    return revision + 1;
  }
  describe() {
    return 'mem';
  }
}

const log = createLogger('lease-fence-test', 100);
const TIMINGS = { leaseDurationMs: 600, renewDeadlineMs: 400, retryPeriodMs: 50 };

test('a hung renewal ends the lease before a candidate takes over', async () => {
  const lock = new MemoryLock();
  const a = new LeaderElector({
    lock,
    identity: 'a',
    ...TIMINGS,
    onStartedLeading: () => {},
    onStoppedLeading: () => {},
    log,
  });
  a.start();
  await waitFor(async () => a.holdsLease() || undefined, { timeoutMs: 5000, what: 'a leads' });
  lock.hangFor = 'a';
  // What a held when the candidate started leading: checked at that moment, whatever the load.
  let aHeldAtTakeover: boolean | undefined;
  const b = new LeaderElector({
    lock,
    identity: 'b',
    ...TIMINGS,
    onStartedLeading: () => {
      aHeldAtTakeover = a.holdsLease();
    },
    onStoppedLeading: () => {},
    log,
  });
  b.start();
  try {
    await waitFor(async () => aHeldAtTakeover !== undefined || undefined, {
      timeoutMs: 10_000,
      what: 'b leads',
    });
    assert.is(aHeldAtTakeover, false, 'a no longer held its lease when b took over');
    assert.ok(a.isLeader, 'a has not noticed (its renewal still hangs): the fence must not wait for that');
  } finally {
    lock.hangFor = undefined;
    await Promise.all([a.stop(), b.stop()]).catch(() => {});
  }
});

test('a fenced in-process client refuses writes with a 503 Status and nothing is written; reads pass', async () => {
  const t = await startApi();
  const api = t.api;
  try {
    let holds = true;
    const client = api.client.fenced(() => {
      if (!holds)
        throw new ServiceUnavailableError('this hub no longer holds the leader lease: write refused');
    });
    const cm = (name: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default' },
      data: { a: 'b' },
    });
    await client.create('configmaps', 'default', cm('while-holding'));
    holds = false;
    const err = await client.create('configmaps', 'default', cm('after-loss')).catch((x: unknown) => x);
    assert.instance(err, ServiceUnavailableError);
    assert.is((err as ServiceUnavailableError).code, 503);
    const names = (await client.list('configmaps', 'default')).items.map((c) => c.metadata.name);
    assert.equal(names.sort(), ['while-holding'], 'reads pass; the refused write is not there');
    const del = await client.delete('configmaps', 'default', 'while-holding').catch((x: unknown) => x);
    assert.instance(del, ServiceUnavailableError);
    // A client made from it with as() keeps the fence.
    const other = await client
      .as({ name: 'system:kube-scheduler', groups: [] })
      .create('configmaps', 'default', cm('x'))
      .catch((x: unknown) => x);
    assert.instance(other, ServiceUnavailableError);
  } finally {
    await t.stop();
  }
});

test.run();
