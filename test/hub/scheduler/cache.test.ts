import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CacheSink, SchedulerCache } from '../../../hub/scheduler/cache.js';
import type { Pod } from '../../../shared/api/types.js';
import { node, pod } from './fixtures.js';

class Recorder implements CacheSink {
  queued: string[] = [];
  gone: string[] = [];
  changes: string[] = [];
  unscheduledPod(p: Pod) {
    this.queued.push(p.metadata.name!);
  }
  podGone(key: string) {
    this.gone.push(key);
  }
  clusterChanged(reason: string) {
    this.changes.push(reason);
  }
}

function bound(p: Pod, nodeName: string): Pod {
  return { ...p, spec: { ...p.spec, nodeName } };
}

test('unbound pods of ours go to the queue; others are ignored', () => {
  const r = new Recorder();
  const c = new SchedulerCache(r);
  c.podEvent('ADDED', pod({ name: 'mine' }));
  const other = pod({ name: 'other' });
  other.spec.schedulerName = 'someone-else';
  c.podEvent('ADDED', other);
  const drover = pod({ name: 'drover' });
  drover.spec.schedulerName = 'drover';
  c.podEvent('ADDED', drover);
  assert.equal(r.queued, ['mine', 'drover']);
});

test('assumed pod counts at once, survives a stale unbound event, is confirmed by the bound event', () => {
  const r = new Recorder();
  const c = new SchedulerCache(r);
  c.nodeEvent('ADDED', node({ name: 'n', cpu: '2' }));
  const p = pod({ name: 'p', cpu: '1500m' });
  c.podEvent('ADDED', p);
  c.assume(p, 'n');
  assert.is(c.snapshot.get('n')!.requested.milliCpu, 1500);
  c.podEvent('MODIFIED', p); // e.g. a label change seen before the bind lands
  assert.is(c.snapshot.get('n')!.requested.milliCpu, 1500);
  c.podEvent('MODIFIED', bound(p, 'n'));
  assert.not.ok(c.isAssumed('default/p'));
  assert.ok(r.gone.includes('default/p'));
  assert.is(c.snapshot.get('n')!.requested.milliCpu, 1500);
});

test('forget undoes an assumption (failed bind)', () => {
  const c = new SchedulerCache(new Recorder());
  c.nodeEvent('ADDED', node({ name: 'n' }));
  const p = pod({ name: 'p', cpu: '1' });
  c.assume(p, 'n');
  c.forget('default/p');
  assert.is(c.snapshot.get('n')!.requested.milliCpu, 0);
  assert.is(c.snapshot.get('n')!.pods.size, 0);
});

test('cluster changes: node add, relevant node update, placed pod delete — not heartbeat-only updates', () => {
  const r = new Recorder();
  const c = new SchedulerCache(r);
  const n = node({ name: 'n' });
  c.nodeEvent('ADDED', n);
  const heartbeat = structuredClone(n);
  heartbeat.status!.conditions![0].lastHeartbeatTime = '2026-01-01T00:00:00Z';
  c.nodeEvent('MODIFIED', heartbeat);
  const cordoned = structuredClone(n);
  cordoned.spec.unschedulable = true;
  c.nodeEvent('MODIFIED', cordoned);
  c.podEvent('ADDED', bound(pod({ name: 'x' }), 'n'));
  c.podEvent('DELETED', bound(pod({ name: 'x' }), 'n'));
  assert.equal(r.changes, ['NodeAdd', 'NodeUpdate', 'AssignedPodDelete']);
});

test('terminal pods free their node', () => {
  const r = new Recorder();
  const c = new SchedulerCache(r);
  c.nodeEvent('ADDED', node({ name: 'n' }));
  const p = bound(pod({ name: 'job', cpu: '1' }), 'n');
  c.podEvent('ADDED', p);
  assert.is(c.snapshot.get('n')!.requested.milliCpu, 1000);
  c.podEvent('MODIFIED', { ...p, status: { phase: 'Succeeded' } });
  assert.is(c.snapshot.get('n')!.requested.milliCpu, 0);
  assert.ok(r.changes.includes('AssignedPodTerminated'));
});

test('relist: pods and nodes missing from the new list are removed', () => {
  const r = new Recorder();
  const c = new SchedulerCache(r);
  c.replaceNodes([node({ name: 'a' }), node({ name: 'b' })]);
  c.replacePods([bound(pod({ name: 'on-a', cpu: '1' }), 'a'), pod({ name: 'waiting' })]);
  assert.equal(r.queued, ['waiting']);
  c.replaceNodes([node({ name: 'b' })]);
  assert.equal(
    c.snapshot.nodeInfos().map((n) => n.name),
    ['b'],
  );
  c.replacePods([]);
  assert.ok(r.gone.includes('default/waiting'));
  assert.is(c.snapshot.nodeOf('default/on-a'), undefined);
});

test('a pod placed on a node not yet known counts once the node arrives', () => {
  const c = new SchedulerCache(new Recorder());
  c.podEvent('ADDED', bound(pod({ name: 'early', cpu: '1' }), 'late'));
  c.nodeEvent('ADDED', node({ name: 'late' }));
  assert.is(c.snapshot.get('late')!.requested.milliCpu, 1000);
});

test.run();
