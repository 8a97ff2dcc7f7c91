// RetainedIndex: MQTT filter matching over a topic-level trie, table-driven.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RetainedIndex } from '../../../hub/broker/retained-index.js';

const TOPICS = [
  'drover/v1/nodes/a/desired',
  'drover/v1/nodes/b/desired',
  'drover/v1/nodes/a/rpc/req/1',
  'drover/v1/nodes/a/rpc/req/2',
  'drover/v1/nodes/a',
  'sport',
  'sport/tennis/player1',
  '/lead',
  '$SYS/broker/uptime',
  '$SYS/broker/clients',
];

function indexOf(topics: string[]): RetainedIndex<string> {
  const idx = new RetainedIndex<string>();
  for (const t of topics) idx.set(t, t);
  return idx;
}

const cases: { filter: string; want: string[] }[] = [
  { filter: 'drover/v1/nodes/a/desired', want: ['drover/v1/nodes/a/desired'] },
  { filter: 'drover/v1/nodes/c/desired', want: [] },
  {
    filter: 'drover/v1/nodes/a/rpc/req/+',
    want: ['drover/v1/nodes/a/rpc/req/1', 'drover/v1/nodes/a/rpc/req/2'],
  },
  { filter: 'drover/v1/nodes/+/desired', want: ['drover/v1/nodes/a/desired', 'drover/v1/nodes/b/desired'] },
  { filter: 'drover/v1/nodes/+', want: ['drover/v1/nodes/a'] },
  {
    filter: 'drover/v1/nodes/a/#',
    want: [
      'drover/v1/nodes/a',
      'drover/v1/nodes/a/desired',
      'drover/v1/nodes/a/rpc/req/1',
      'drover/v1/nodes/a/rpc/req/2',
    ],
  },
  { filter: 'sport/#', want: ['sport', 'sport/tennis/player1'] },
  { filter: 'sport/+', want: [] },
  { filter: 'sport/+/player1', want: ['sport/tennis/player1'] },
  { filter: '+/+', want: ['/lead'] },
  { filter: '/+', want: ['/lead'] },
  { filter: '+', want: ['sport'] },
  // '$' topics are not matched by a filter starting with a wildcard (MQTT 3.1.1 §4.7.2) ...
  { filter: '#', want: TOPICS.filter((t) => !t.startsWith('$')) },
  { filter: '+/broker/uptime', want: [] },
  // ... but are by one that names them.
  { filter: '$SYS/#', want: ['$SYS/broker/uptime', '$SYS/broker/clients'] },
  { filter: '$SYS/broker/+', want: ['$SYS/broker/uptime', '$SYS/broker/clients'] },
  { filter: '$SYS/broker/uptime', want: ['$SYS/broker/uptime'] },
];

for (const c of cases) {
  test(`match ${c.filter}`, () => {
    const got = [...indexOf(TOPICS).match(c.filter)].sort();
    assert.equal(got, [...c.want].sort());
  });
}

test('set replaces the value of a topic', () => {
  const idx = indexOf(TOPICS);
  idx.set('sport', 'v2');
  assert.equal([...idx.match('sport')], ['v2']);
  assert.equal([...idx.match('sport/#')].sort(), ['sport/tennis/player1', 'v2']);
  assert.is(idx.size, TOPICS.length);
});

test('delete removes from exact and wildcard lookups and prunes', () => {
  const idx = indexOf(TOPICS);
  assert.ok(idx.delete('sport/tennis/player1'));
  assert.not.ok(idx.delete('sport/tennis/player1'));
  assert.not.ok(idx.delete('never/there'));
  assert.equal([...idx.match('sport/tennis/player1')], []);
  assert.equal([...idx.match('sport/#')], ['sport']);
  assert.equal([...idx.match('sport/+/+')], []);
  // A deleted inner topic keeps its children reachable.
  assert.ok(idx.delete('drover/v1/nodes/a'));
  assert.equal([...idx.match('drover/v1/nodes/a/#')].length, 3);
  assert.equal([...idx.match('drover/v1/nodes/+')], []);
  assert.is(idx.size, TOPICS.length - 2);
  for (const t of TOPICS) idx.delete(t);
  assert.is(idx.size, 0);
  assert.equal([...idx.match('#')], []);
  assert.equal([...idx.match('$SYS/#')], []);
});

test('children come and go: one held inline, several in a map, and back', () => {
  const idx = new RetainedIndex<string>();
  const plus = () => [...idx.match('a/+')].sort();
  idx.set('a/b', 'a/b');
  assert.equal(plus(), ['a/b']);
  idx.set('a/c', 'a/c');
  assert.equal(plus(), ['a/b', 'a/c']);
  assert.ok(idx.delete('a/b'));
  assert.equal(plus(), ['a/c']);
  assert.equal([...idx.match('a/c')], ['a/c']);
  idx.set('a/d', 'a/d');
  idx.set('a/e', 'a/e');
  assert.equal(plus(), ['a/c', 'a/d', 'a/e']);
  for (const t of ['a/c', 'a/d']) assert.ok(idx.delete(t));
  assert.equal(plus(), ['a/e']);
  assert.equal([...idx.match('#')], ['a/e']);
  assert.ok(idx.delete('a/e'));
  assert.equal([...idx.match('#')], []);
  idx.set('a/f/g', 'a/f/g');
  assert.equal([...idx.match('a/#')], ['a/f/g']);
});

test.run();
