import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LeaseTable, microTime } from '../../hub/leases.js';

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

test('reported Ready is remembered per node', () => {
  const t = new LeaseTable();
  t.setReportedReady('a', { type: 'Ready', status: 'True', reason: 'AgentReady' });
  assert.is(t.reportedReady('a')?.status, 'True');
  assert.is(t.reportedReady('b'), undefined);
});

test('microTime has microseconds like Kubernetes MicroTime', () => {
  assert.is(microTime(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), '2024-01-02T03:04:05.678000Z');
});

test.run();
