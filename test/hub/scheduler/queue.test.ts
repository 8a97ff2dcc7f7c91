import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FitError } from '../../../hub/scheduler/fit-error.js';
import { SchedulingQueue } from '../../../hub/scheduler/queue.js';
import { createSchedulerCore } from '../../../hub/scheduler/schedule-one.js';
import type { Pod } from '../../../shared/api/types.js';
import { node, pod, snapshotOf } from './fixtures.js';

function withPriority(p: Pod, priority: number): Pod {
  return { ...p, spec: { ...p.spec, priority } };
}

test('pop order: priority first, then arrival', async () => {
  const q = new SchedulingQueue();
  q.add(pod({ name: 'a' }));
  q.add(withPriority(pod({ name: 'b' }), 10));
  q.add(pod({ name: 'c' }));
  const order = [];
  for (let i = 0; i < 3; i++) order.push((await q.pop())!.pod.metadata.name);
  assert.equal(order, ['b', 'a', 'c']);
  q.close();
});

test('pop waits for a pod; close releases waiters with undefined', async () => {
  const q = new SchedulingQueue();
  const p = q.pop();
  q.add(pod({ name: 'late' }));
  assert.is((await p)!.pod.metadata.name, 'late');
  const w = q.pop();
  q.close();
  assert.is(await w, undefined);
});

test('backoff: 1 s doubling to 10 s', () => {
  const q = new SchedulingQueue();
  assert.equal(
    [1, 2, 3, 4, 5, 6, 10].map((a) => q.backoffMs(a)),
    [1000, 2000, 4000, 8000, 10000, 10000, 10000],
  );
  q.close();
});

test('unschedulable pod is parked, and retried when a node is added', async () => {
  const q = new SchedulingQueue({ initialBackoffMs: 20, maxBackoffMs: 40 });
  const snap = snapshotOf([node({ name: 'small', cpu: '1' })]);
  const core = createSchedulerCore();
  q.add(pod({ name: 'big', cpu: '2' }));

  const first = (await q.pop())!;
  const r1 = core.scheduleOne(first.pod, snap);
  assert.instance(r1, FitError);
  q.failed(first.key, true);
  assert.equal(q.counts(), { active: 0, backoff: 0, unschedulable: 1, inFlight: 0 });

  // Nothing pops while parked, even after the backoff has passed.
  const none = await Promise.race([
    q.pop(),
    new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 100)),
  ]);
  assert.is(none, 'timeout');

  snap.upsertNode(node({ name: 'large', cpu: '4' }));
  q.moveAllToActiveOrBackoff();
  // The waiting pop from the race above receives it.
  const retried = await waitForInFlight(q);
  assert.is(retried, 1);
  q.close();
});

async function waitForInFlight(q: SchedulingQueue): Promise<number> {
  const deadline = Date.now() + 2000;
  while (q.counts().inFlight === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return q.counts().inFlight;
}

test('retried pod schedules on the added node', async () => {
  const q = new SchedulingQueue({ initialBackoffMs: 20, maxBackoffMs: 40 });
  const snap = snapshotOf([node({ name: 'small', cpu: '1' })]);
  const core = createSchedulerCore();
  q.add(pod({ name: 'big', cpu: '2' }));
  const first = (await q.pop())!;
  assert.instance(core.scheduleOne(first.pod, snap), FitError);
  q.failed(first.key, true);
  snap.upsertNode(node({ name: 'large', cpu: '4' }));
  q.moveAllToActiveOrBackoff();
  assert.equal(q.counts().unschedulable, 0);
  const again = (await q.pop())!; // after its 20 ms backoff
  assert.is(again.attempts, 2);
  const r = core.scheduleOne(again.pod, snap);
  if (r instanceof Error) throw r;
  assert.is(r.node, 'large');
  q.done(again.key);
  assert.equal(q.counts(), { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  q.close();
});

test('an event during the attempt sends the failed pod to backoff, not to the parking lot', async () => {
  const q = new SchedulingQueue({ initialBackoffMs: 20 });
  q.add(pod({ name: 'p' }));
  const x = (await q.pop())!;
  q.moveAllToActiveOrBackoff(); // e.g. a node was added while we were filtering
  q.failed(x.key, true);
  assert.equal(q.counts(), { active: 0, backoff: 1, unschedulable: 0, inFlight: 0 });
  const again = (await q.pop())!;
  assert.is(again.key, 'default/p');
  q.close();
});

test('status-only updates leave a parked pod parked; spec changes retry it', async () => {
  const q = new SchedulingQueue({ initialBackoffMs: 1 });
  const p = pod({ name: 'p', cpu: '2' });
  q.add(p);
  const x = (await q.pop())!;
  q.failed(x.key, true);
  q.update({
    ...p,
    status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
  });
  assert.is(q.counts().unschedulable, 1);
  q.update({ ...p, metadata: { ...p.metadata, labels: { new: 'label' } } });
  assert.is(q.counts().unschedulable, 0);
  q.close();
});

test('delete removes the pod from every sub-queue; failed() after delete is ignored', async () => {
  const q = new SchedulingQueue();
  q.add(pod({ name: 'a' }));
  q.add(pod({ name: 'b' }));
  q.delete('default/a');
  const b = (await q.pop())!;
  assert.is(b.key, 'default/b');
  q.delete('default/b');
  q.failed('default/b', true);
  assert.equal(q.counts(), { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  q.close();
});

test.run();
