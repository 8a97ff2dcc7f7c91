// EventAggregator's pure rules (client-go's EventAggregate): when events are combined, under
// which key, and when a quiet key starts afresh. The system behaviour is tested through a real
// hub in test/hub/gateway/agent-events-aggregate.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AGGREGATE_MESSAGE_PREFIX, EventAggregator } from '../../../hub/events/aggregator.js';
import type { Event } from '../../../shared/api/types.js';

const ev = (message: string, reason = 'R', name = 'n'): Event => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: `${name}.x`, namespace: 'default' },
  involvedObject: { kind: 'Node', name },
  type: 'Normal',
  reason,
  message,
  source: { component: 'c', host: name },
});

interface Step {
  /** Message, reason, object name, time (ms). */
  send: [string, string, string, number];
  combined: boolean;
}

const cases: { name: string; maxEvents: number; steps: Step[] }[] = [
  {
    name: 'the third different message of a key is combined; identical ones are not',
    maxEvents: 3,
    steps: [
      { send: ['a', 'R', 'n', 0], combined: false },
      { send: ['a', 'R', 'n', 1], combined: false },
      { send: ['b', 'R', 'n', 2], combined: false },
      { send: ['c', 'R', 'n', 3], combined: true },
      { send: ['d', 'R', 'n', 4], combined: true },
    ],
  },
  {
    name: 'another reason or another object is another key',
    maxEvents: 2,
    steps: [
      { send: ['a', 'R', 'n', 0], combined: false },
      { send: ['b', 'S', 'n', 1], combined: false },
      { send: ['c', 'R', 'm', 2], combined: false },
      { send: ['d', 'R', 'n', 3], combined: true },
    ],
  },
  {
    name: 'a key quiet for longer than the window starts afresh',
    maxEvents: 2,
    steps: [
      { send: ['a', 'R', 'n', 0], combined: false },
      { send: ['b', 'R', 'n', 10], combined: true },
      { send: ['c', 'R', 'n', 10 + 101], combined: false },
    ],
  },
];

for (const c of cases)
  test(c.name, () => {
    const agg = new EventAggregator(c.maxEvents, 100);
    for (const { send, combined } of c.steps) {
      const [message, reason, name, at] = send;
      const out = agg.aggregate(ev(message, reason, name), `own:${message}`, at);
      assert.is(out.event.message, combined ? `${AGGREGATE_MESSAGE_PREFIX}${message}` : message, message);
      assert.is(out.key === `own:${message}`, !combined, `key of ${message}`);
    }
  });

test('all combined events of a key share one correlation key', () => {
  const agg = new EventAggregator(2, 100);
  agg.aggregate(ev('a'), 'a', 0);
  assert.is(agg.aggregate(ev('b'), 'b', 1).key, agg.aggregate(ev('c'), 'c', 2).key);
});

test('the cache is bounded: the least recently used key is forgotten', () => {
  const agg = new EventAggregator(2, 100, 2);
  agg.aggregate(ev('a', 'R1'), 'x', 0);
  agg.aggregate(ev('a', 'R2'), 'x', 0);
  agg.aggregate(ev('a', 'R3'), 'x', 0); // R1 forgotten
  assert.is(agg.aggregate(ev('b', 'R1'), 'own', 1).key, 'own', 'R1 starts afresh');
  assert.is.not(agg.aggregate(ev('b', 'R3'), 'own', 1).key, 'own', 'R3 remembered');
});

test.run();
