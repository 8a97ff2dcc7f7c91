// The correlator keeps what a repeat needs of the Event it wrote (name, resourceVersion, count,
// firstTimestamp), not the Event: through a real API (SQLite), a repeated event is still one
// Event whose count grows, with its first timestamp, uid and creationTimestamp kept.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventRecorder } from '../../../hub/events/recorder.js';
import type { Event, KubeObject } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { startApi } from '../api/helpers.js';

test('a repeated event bumps the Event written first: count, lastTimestamp; name, uid, firstTimestamp kept', async () => {
  const t = await startApi();
  try {
    const recorder = new EventRecorder({
      client: t.api.client,
      component: 'scheduler',
      log: createLogger('test', 50),
      spamFilter: false,
    });
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', uid: 'u-p' },
    };
    await recorder.record(pod, 'Warning', 'FailedScheduling', 'no node fits');
    const [first] = (await t.api.client.list<Event>('events', 'default')).items;
    await recorder.record(pod, 'Warning', 'FailedScheduling', 'no node fits');
    await recorder.record(pod, 'Warning', 'FailedScheduling', 'no node fits');
    const events = (await t.api.client.list<Event>('events', 'default')).items;
    assert.is(events.length, 1, 'one Event');
    const [e] = events;
    assert.is(e.count, 3);
    assert.is(e.metadata.name, first.metadata.name);
    assert.is(e.metadata.uid, first.metadata.uid);
    assert.is(e.metadata.creationTimestamp, first.metadata.creationTimestamp);
    assert.is(e.firstTimestamp, first.firstTimestamp);
    assert.is(e.message, 'no node fits');
    assert.equal(e.involvedObject, first.involvedObject);
    assert.equal(e.source, first.source);
  } finally {
    await t.stop();
  }
});

test.run();
