// TopicEmitter (aedes' `mq`): the same deliveries as mqemitter, which aedes used before, for
// exact filters, trailing `+` filters and the others, with subscribes and unsubscribes.
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Listener, TopicEmitter, type TopicMessage } from '../../../hub/broker/topic-emitter.js';

interface Emitter {
  on(topic: string, l: Listener, done?: () => void): unknown;
  removeListener(topic: string, l: Listener, done?: () => void): unknown;
  emit(m: TopicMessage, cb?: (err?: Error) => void): unknown;
}
const require = createRequire(import.meta.url);
// aedes' own default, as aedes makes it: the reference for what matches what.
const mqemitter = require('mqemitter') as (o: object) => Emitter;

const FILTERS = [
  'drover/v1/nodes/a/desired',
  'drover/v1/nodes/a/rpc/req/+',
  'drover/v1/nodes/a/agent/update',
  'drover/v1/nodes/+/status',
  'drover/v1/nodes/+/pods/+/+/status',
  'drover/v1/nodes/a/#',
  'drover/#',
  '#',
  '+',
  '+/+',
  '/+',
  'sport/+',
  'sport/+/player1',
  '$SYS/+/heartbeat',
  '$SYS/#',
  'a/b+c/+',
];
const TOPICS = [
  'drover/v1/nodes/a/desired',
  'drover/v1/nodes/b/desired',
  'drover/v1/nodes/a/rpc/req/1',
  'drover/v1/nodes/a/rpc/req/',
  'drover/v1/nodes/a/rpc/req',
  'drover/v1/nodes/a/rpc/req/1/2',
  'drover/v1/nodes/a/status',
  'drover/v1/nodes/a/pods/ns/p/status',
  'drover/v1/nodes/a',
  'drover',
  'sport',
  'sport/',
  'sport/tennis',
  'sport/tennis/player1',
  '/lead',
  'x',
  '$SYS/id/heartbeat',
  'a/b+c/d',
];

/** Which filters each topic reaches through emitter e (listeners named by their filter). */
async function deliveries(e: Emitter, filters: string[], unsubscribe: string[] = []): Promise<string[][]> {
  const got: string[] = [];
  const listeners = new Map<string, Listener>();
  for (const f of filters) {
    const l: Listener = (m, done) => {
      got.push(`${m.topic} <- ${f}`);
      done();
    };
    listeners.set(f, l);
    await new Promise<void>((r) => e.on(f, l, r));
  }
  for (const f of unsubscribe) await new Promise<void>((r) => e.removeListener(f, listeners.get(f)!, r));
  const out: string[][] = [];
  for (const topic of TOPICS) {
    got.length = 0;
    await new Promise<void>((r) => e.emit({ topic }, () => r()));
    out.push([...got].sort());
  }
  return out;
}

test('delivers each topic to the filters mqemitter delivers it to', async () => {
  const want = await deliveries(mqemitter({ concurrency: 0, matchEmptyLevels: true }), FILTERS);
  const got = await deliveries(new TopicEmitter(), FILTERS);
  assert.equal(got, want);
  assert.ok(want.flat().length > 40, 'the table exercises many matches');
});

test('after unsubscribes, the same as mqemitter', async () => {
  const gone = ['drover/v1/nodes/a/desired', 'drover/v1/nodes/a/rpc/req/+', '#', 'sport/+/player1'];
  const want = await deliveries(mqemitter({ concurrency: 0, matchEmptyLevels: true }), FILTERS, gone);
  const got = await deliveries(new TopicEmitter(), FILTERS, gone);
  assert.equal(got, want);
});

test('several listeners on one filter; one removed leaves the others', async () => {
  const e = new TopicEmitter();
  const seen: string[] = [];
  const mk =
    (name: string): Listener =>
    (_m, done) => {
      seen.push(name);
      done();
    };
  const [a, b, c] = [mk('a'), mk('b'), mk('c')];
  for (const f of ['t/x', 'p/+', 'q/+/x']) for (const l of [a, b, c]) e.on(f, l);
  await new Promise<void>((r) => e.removeListener('t/x', b, r));
  await new Promise<void>((r) => e.removeListener('p/+', a, r));
  await new Promise<void>((r) => e.removeListener('q/+/x', c, r));
  for (const topic of ['t/x', 'p/1', 'q/1/x']) {
    seen.length = 0;
    await new Promise<void>((r) => e.emit({ topic }, () => r()));
    seen.sort();
    assert.equal(seen, { 't/x': ['a', 'c'], 'p/1': ['b', 'c'], 'q/1/x': ['a', 'b'] }[topic], topic);
  }
  for (const f of ['t/x', 'p/+', 'q/+/x']) for (const l of [a, b, c]) e.removeListener(f, l);
  await new Promise((r) => setImmediate(r));
  assert.is(e.filterCount, 0, 'nothing left once every listener is gone');
});

test('the callback waits for every listener; a closed emitter refuses', async () => {
  const e = new TopicEmitter();
  const later: (() => void)[] = [];
  e.on('t', (_m, done) => later.push(done));
  e.on('+', (_m, done) => later.push(done));
  let called = 0;
  e.emit({ topic: 't' }, () => called++);
  assert.is(later.length, 2);
  later[0]();
  assert.is(called, 0);
  later[1]();
  assert.is(called, 1);
  let nothing = 0;
  e.emit({ topic: 'none/here' }, () => nothing++);
  assert.is(nothing, 1, 'no listener: called back at once');
  await new Promise<void>((r) => e.close(r));
  let err: Error | undefined;
  e.emit({ topic: 't' }, (x) => {
    err = x;
  });
  assert.instance(err, Error);
});

test.run();
