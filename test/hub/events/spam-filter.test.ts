// The per source + object event throttle (client-go's EventSourceObjectSpamFilter): its pure
// rules table-driven, then through a real API (SQLite) with the recorder: a controller that
// records an event per pod it creates stores at most the burst about its object, and other
// objects' events are unaffected.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventRecorder } from '../../../hub/events/recorder.js';
import {
  EventSpamFilter,
  SPAM_BURST,
  SPAM_FILTER_MAX_OBJECTS,
  spamKey,
} from '../../../hub/events/spam-filter.js';
import type { Event, KubeObject } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { startApi } from '../api/helpers.js';

const ev = (o: {
  name?: string;
  host?: string;
  reason?: string;
  message?: string;
  component?: string;
}): Event => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'x', namespace: 'default' },
  involvedObject: {
    kind: 'DaemonSet',
    namespace: 'default',
    name: o.name ?? 'ds',
    uid: 'u1',
    apiVersion: 'apps/v1',
  },
  type: 'Normal',
  reason: o.reason ?? 'SuccessfulCreate',
  message: o.message ?? 'Created pod',
  source: { component: o.component ?? 'daemonset-controller', ...(o.host ? { host: o.host } : {}) },
});

interface Case {
  name: string;
  burst: number;
  qps: number;
  /** [event, time ms, allowed] in order. */
  steps: [Event, number, boolean][];
}

const cases: Case[] = [
  {
    name: 'the burst passes, the next is dropped whatever its reason or message',
    burst: 2,
    qps: 1 / 300,
    steps: [
      [ev({ message: 'a' }), 0, true],
      [ev({ reason: 'Other', message: 'b' }), 1, true],
      [ev({ message: 'c' }), 2, false],
      [ev({ reason: 'Other' }), 3, false],
    ],
  },
  {
    name: 'one token comes back after 1/qps seconds, not before',
    burst: 1,
    qps: 1 / 300,
    steps: [
      [ev({}), 0, true],
      [ev({}), 299_000, false],
      [ev({}), 300_000, true],
      [ev({}), 300_001, false],
    ],
  },
  {
    name: 'another object, source or host has its own bucket',
    burst: 1,
    qps: 1 / 300,
    steps: [
      [ev({}), 0, true],
      [ev({}), 0, false],
      [ev({ name: 'other-ds' }), 0, true],
      [ev({ component: 'scheduler' }), 0, true],
      [ev({ host: 'board-1' }), 0, true],
    ],
  },
];

for (const c of cases)
  test(c.name, () => {
    const f = new EventSpamFilter({ burst: c.burst, qps: c.qps });
    for (const [i, [e, at, want]] of c.steps.entries()) assert.is(f.allows(e, at), want, `step ${i}`);
  });

test('objects past the LRU bound are forgotten, least recently used first (client-go: 4096)', () => {
  const f = new EventSpamFilter({ burst: 1, qps: 1 / 300 });
  assert.ok(f.allows(ev({ name: 'first' }), 0));
  assert.not.ok(f.allows(ev({ name: 'first' }), 0), 'its bucket is empty');
  for (let i = 0; i < SPAM_FILTER_MAX_OBJECTS; i++) f.allows(ev({ name: `o-${i}` }), 0);
  assert.ok(f.allows(ev({ name: 'first' }), 0), 'forgotten: a full bucket again');
  assert.not.ok(f.allows(ev({ name: `o-${SPAM_FILTER_MAX_OBJECTS - 1}` }), 0), 'a recent one is remembered');
});

test('the key leaves out reason, message and type (client-go getSpamKey)', () => {
  assert.is(spamKey(ev({ reason: 'A', message: 'm' })), spamKey(ev({ reason: 'B', message: 'n' })));
  assert.is.not(spamKey(ev({})), spamKey(ev({ name: 'other' })));
});

test('a recorder through the real API stores at most the burst about one object; another object is unaffected', async () => {
  const t = await startApi();
  try {
    const log = createLogger('test', 50);
    const recorder = new EventRecorder({ client: t.api.client, component: 'daemonset-controller', log });
    const ds: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds', namespace: 'default', uid: 'u-ds' },
    };
    const other: KubeObject = { ...ds, metadata: { name: 'other', namespace: 'default', uid: 'u-other' } };
    const many = SPAM_BURST + 15;
    await Promise.all(
      Array.from({ length: many }, (_, i) =>
        recorder.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: p-${i}`),
      ),
    );
    await recorder.record(other, 'Normal', 'SuccessfulCreate', 'Created pod: q-0');
    const events = (await t.api.client.list<Event>('events', 'default')).items;
    const about = (name: string) =>
      events.filter((e) => e.involvedObject.name === name).reduce((n, e) => n + (e.count ?? 1), 0);
    assert.is(about('ds'), SPAM_BURST, 'the events past the burst were dropped');
    assert.is(about('other'), 1);
  } finally {
    await t.stop();
  }
});

test('spamFilter: false records every event', async () => {
  const t = await startApi();
  try {
    const log = createLogger('test', 50);
    const recorder = new EventRecorder({
      client: t.api.client,
      component: 'drover-agent',
      log,
      spamFilter: false,
    });
    const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'board-1' } };
    const many = SPAM_BURST + 5;
    for (let i = 0; i < many; i++) await recorder.record(node, 'Warning', 'ProbeFailed', 'same message');
    const events = (await t.api.client.list<Event>('events', 'default')).items;
    assert.is(
      events.reduce((n, e) => n + (e.count ?? 1), 0),
      many,
    );
  } finally {
    await t.stop();
  }
});

test.run();
