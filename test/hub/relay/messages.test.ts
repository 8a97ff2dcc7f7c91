// Hub-to-hub relay messages: honest ones round-trip; bad ones (wrong types, names that are not
// node names, a topic for another board or the hub's own direction, deep nesting, random bytes)
// are refused whole with RelayMessageError and nothing else.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertProperty } from '../../helpers/property.js';
import {
  encodeRelay,
  type HubMessage,
  type PresenceBatch,
  parseHubMessage,
  parseKick,
  parsePresenceBatch,
  RelayMessageError,
} from '../../../hub/relay/messages.js';
import { topics } from '../../../shared/mqtt/topics.js';

const bytes = (o: unknown) => Buffer.from(JSON.stringify(o));
const HUB = 'a1b2c3d4';

test('honest messages round-trip', () => {
  const batch: PresenceBatch = {
    v: 1,
    hub: HUB,
    seen: ['board-1', 'board-2'],
    ready: { 'board-1': { type: 'Ready', status: 'True', reason: 'AgentReady' } },
    wills: ['board-3'],
  };
  assert.equal(parsePresenceBatch(encodeRelay(batch)), batch);
  const toNode: HubMessage = {
    v: 1,
    kind: 'toNode',
    node: 'board-1',
    topic: topics.rpcRequest('board-1', `${HUB}_0a`),
    payload: 'e30=',
    qos: 1,
  };
  assert.equal(parseHubMessage(encodeRelay(toNode)), toNode);
  const res: HubMessage = { v: 1, kind: 'rpcResponse', node: 'board-1', id: `${HUB}_0a`, payload: '' };
  assert.equal(parseHubMessage(encodeRelay(res)), res);
  assert.equal(parseKick(encodeRelay({ v: 1, node: 'board-1' })), { v: 1, node: 'board-1' });
});

const refused: [string, (d: Uint8Array) => unknown, unknown][] = [
  ['batch of another version', parsePresenceBatch, { v: 2, hub: HUB, seen: [], ready: {}, wills: [] }],
  ['batch with a bad hub id', parsePresenceBatch, { v: 1, hub: 'HUB!', seen: [], ready: {}, wills: [] }],
  [
    'batch with a node that is not a name',
    parsePresenceBatch,
    { v: 1, hub: HUB, seen: ['a/b'], ready: {}, wills: [] },
  ],
  [
    'batch with a will that is a number',
    parsePresenceBatch,
    { v: 1, hub: HUB, seen: [], ready: {}, wills: [7] },
  ],
  [
    'batch with a condition that is not Ready',
    parsePresenceBatch,
    { v: 1, hub: HUB, seen: ['n'], ready: { n: { type: 'DiskPressure', status: 'True' } }, wills: [] },
  ],
  [
    'batch with a Ready status out of the set',
    parsePresenceBatch,
    { v: 1, hub: HUB, seen: ['n'], ready: { n: { type: 'Ready', status: 'Yes' } }, wills: [] },
  ],
  [
    'message for a board with another board topic',
    parseHubMessage,
    { v: 1, kind: 'toNode', node: 'board-1', topic: topics.rpcRequest('board-2', 'x'), payload: '', qos: 1 },
  ],
  [
    'message for a board on an agent-to-hub topic',
    parseHubMessage,
    { v: 1, kind: 'toNode', node: 'board-1', topic: topics.status('board-1'), payload: '', qos: 1 },
  ],
  [
    'message with qos 2',
    parseHubMessage,
    { v: 1, kind: 'toNode', node: 'board-1', topic: topics.desired('board-1'), payload: '', qos: 2 },
  ],
  ['message of an unknown kind', parseHubMessage, { v: 1, kind: 'exec', node: 'board-1', payload: '' }],
  ['kick of a non-name', parseKick, { v: 1, node: '../etc' }],
  ['deeply nested', parseKick, JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`)],
];

for (const [what, parse, body] of refused)
  test(`refused: ${what}`, () => {
    assert.throws(
      () => parse(bytes(body)),
      (e: Error) => e instanceof RelayMessageError,
    );
  });

test('random bytes and random JSON are refused with RelayMessageError or parsed, never anything else', async () => {
  const inputs = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.json({ maxDepth: 6 }).map((s) => new Uint8Array(Buffer.from(s))),
  );
  for (const parse of [parsePresenceBatch, parseHubMessage, parseKick])
    await assertProperty(
      fc.property(inputs, (d) => {
        try {
          parse(d);
        } catch (e) {
          return e instanceof RelayMessageError;
        }
        return true;
      }),
      { numRuns: 300 },
    );
});

test.run();
