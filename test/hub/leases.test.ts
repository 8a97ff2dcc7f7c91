import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiClient } from '../../hub/api/client.js';
import { NotFoundError } from '../../hub/api/errors.js';
import { LeaseTable, microTime } from '../../hub/leases.js';
import type { KubeObject, NodeCondition } from '../../shared/api/types.js';
import { waitFor } from '../helpers/wait.js';

/** An API client that records Lease writes; patches of a Lease not created yet are 404. */
function recordingClient() {
  const calls: string[] = [];
  const existing = new Set<string>();
  const client = {
    async patch(_r: string, ns: string, name: string, body: unknown, type: string) {
      calls.push(`patch ${ns}/${name} ${type} ${JSON.stringify(body)}`);
      if (!existing.has(name)) throw new NotFoundError('leases', name, 'coordination.k8s.io');
      return {};
    },
    async create(_r: string, ns: string, obj: KubeObject & { spec: unknown }) {
      calls.push(`create ${ns}/${obj.metadata.name} ${JSON.stringify(obj.spec)}`);
      existing.add(obj.metadata.name ?? '');
      return obj;
    },
  } as unknown as ApiClient;
  return { calls, client, existing };
}

test('heartbeats update lastSeen in memory; will marks disconnected until the next message', () => {
  const t = new LeaseTable();
  assert.is(t.lastSeen('a'), undefined);
  assert.ok(t.isConnected('a'), 'unknown nodes are not known disconnected');
  t.recordHeartbeat('a', 1000);
  t.recordHeartbeat('a', 900); // out of order: lastSeen never goes back
  assert.is(t.lastSeen('a'), 1000);
  t.markDisconnected('a');
  assert.not.ok(t.isConnected('a'));
  assert.is(t.lastSeen('a'), 1000);
  t.recordHeartbeat('a', 2000);
  assert.ok(t.isConnected('a'));
  t.forget('a');
  assert.is(t.size(), 0);
});

test('lastArrival: when a node was last heard from for the first time (not moved by later messages)', () => {
  const t = new LeaseTable();
  assert.is(t.lastArrival(), undefined);
  t.markDisconnected('a'); // a will before any message is no arrival
  assert.is(t.lastArrival(), undefined);
  t.recordHeartbeat('a', 1000);
  assert.is(t.lastArrival(), 1000);
  t.recordHeartbeat('a', 5000); // heard again: not an arrival
  assert.is(t.lastArrival(), 1000);
  t.recordHeartbeat('b', 3000);
  assert.is(t.lastArrival(), 3000);
  t.recordHeartbeat('c', 2000); // out of order: never goes back
  assert.is(t.lastArrival(), 3000);
});

test('lastOrphanReturn: when a node whose hub was found dead was heard from again', () => {
  const t = new LeaseTable();
  t.recordHeartbeat('a', 1000);
  t.recordHeartbeat('b', 1000);
  t.recordHeartbeat('a', 2000); // not orphaned: no return
  assert.is(t.lastOrphanReturn(), undefined);
  t.markOrphaned('a', 3000);
  t.markOrphaned('b', 3000);
  t.recordHeartbeat('a', 4000); // re-homed on another hub
  assert.is(t.lastOrphanReturn(), 4000);
  assert.is(t.orphanedAt('a'), undefined);
  t.recordHeartbeat('a', 6000); // heard again: no longer an orphan, not a return
  assert.is(t.lastOrphanReturn(), 4000);
  t.recordHeartbeat('b', 5000);
  assert.is(t.lastOrphanReturn(), 5000);
});

test('reported Ready is remembered per node', () => {
  const t = new LeaseTable();
  t.setReportedReady('a', { type: 'Ready', status: 'True', reason: 'AgentReady' });
  assert.is(t.reportedReady('a')?.status, 'True');
  assert.is(t.reportedReady('b'), undefined);
});

test('reported Ready: what its readers use, one object for the boards that report the same', () => {
  const t = new LeaseTable();
  const report = (message: string): NodeCondition => ({
    type: 'Ready',
    status: 'True',
    reason: 'KubeletReady',
    message,
    lastHeartbeatTime: '2026-12-03T22:00:00Z',
  });
  t.setReportedReady('a', report('posting ready status'));
  t.setReportedReady('b', report('posting ready status'));
  t.setReportedReady('c', report('another message'));
  assert.equal(t.reportedReady('a'), {
    type: 'Ready',
    status: 'True',
    reason: 'KubeletReady',
    message: 'posting ready status',
  });
  assert.ok(t.reportedReady('a') === t.reportedReady('b'));
  assert.is(t.reportedReady('c')?.message, 'another message');
  t.setReportedReady('a', undefined);
  assert.is(t.reportedReady('a'), undefined);
});

test('microTime has microseconds like Kubernetes MicroTime', () => {
  assert.is(microTime(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), '2024-01-02T03:04:05.678000Z');
});

test('due Lease writes wait for the batch window and go out together, as merge patches', async () => {
  const { calls, client, existing } = recordingClient();
  existing.add('a');
  existing.add('b');
  const t = new LeaseTable({ client, writeBatchMs: 200, leaseDurationSeconds: 40 });
  t.recordHeartbeat('a', Date.UTC(2026, 0, 1));
  t.recordHeartbeat('b', Date.UTC(2026, 0, 1));
  assert.equal(calls, [], 'nothing written before the window ends');
  await waitFor(() => calls.length === 2, { what: 'both writes' });
  assert.equal(calls, [
    'patch kube-node-lease/a merge {"spec":{"holderIdentity":"a","leaseDurationSeconds":40,"renewTime":"2026-01-01T00:00:00.000000Z"}}',
    'patch kube-node-lease/b merge {"spec":{"holderIdentity":"b","leaseDurationSeconds":40,"renewTime":"2026-01-01T00:00:00.000000Z"}}',
  ]);
  await t.close();
});

test('a missing Lease is created; a renewal within the persist interval writes nothing', async () => {
  const { calls, client } = recordingClient();
  const t = new LeaseTable({ client, writeBatchMs: 0, persistIntervalMs: 60_000, leaseDurationSeconds: 40 });
  t.recordHeartbeat('c', Date.UTC(2026, 0, 1));
  await waitFor(() => calls.length === 2, { what: 'patch then create' });
  assert.match(calls[1] ?? '', /^create kube-node-lease\/c .*"acquireTime":"2026-01-01T00:00:00.000000Z"/);
  await t.close();
  const again = new LeaseTable({ client, writeBatchMs: 0, persistIntervalMs: 60_000 });
  again.recordHeartbeat('c', Date.UTC(2026, 0, 1));
  await waitFor(() => calls.length === 3, { what: 'the first write of the new table' });
  again.recordHeartbeat('c', Date.UTC(2026, 0, 1, 0, 0, 30)); // 30 s later: not due
  await again.close();
  assert.is(calls.length, 3);
});

test('close() sends the writes still waiting for their batch', async () => {
  const { calls, client, existing } = recordingClient();
  existing.add('d');
  const t = new LeaseTable({ client, writeBatchMs: 60_000 });
  t.recordHeartbeat('d', Date.UTC(2026, 0, 1));
  await t.close();
  assert.is(calls.length, 1);
  t.recordHeartbeat('d', Date.UTC(2026, 0, 2)); // closed: no new write
  assert.is(calls.length, 1);
});

test.run();
