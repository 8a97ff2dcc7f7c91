// Deflated agent payloads (shared/codec/deflate.ts) and the hub's decoding of them as an attacker
// would send them: bombs, corrupt streams, and JSON that merely looks like a header.

import { deflateSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DEFLATE_MIN_BYTES,
  deflatePayload,
  InflateError,
  inflatePayload,
  isDeflated,
} from '../../../shared/codec/deflate.js';
import { MAX_AGENT_PAYLOAD_BYTES } from '../../../shared/protocol/constants.js';
import {
  encode,
  parseHeartbeat,
  parseNodeStatusReport,
  ProtocolError,
} from '../../../shared/protocol/messages.js';

const status = {
  nodeName: 'board-1',
  bootID: '6661ba7b-6f79-4dd2-acf5-5e2ccd6f6e5c',
  nodeInfo: { architecture: 'arm64', operatingSystem: 'linux', kernelVersion: '6.1.0', osImage: 'Debian 12' },
  capacity: { cpu: '4', memory: '4194304Ki', pods: '110' },
  allocatable: { cpu: '3900m', memory: '4091904Ki', pods: '110' },
  conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
    type,
    status: type === 'Ready' ? 'True' : 'False',
    reason: `Reason${type}`,
    message: `the agent says ${type} is as it should be`,
    lastHeartbeatTime: '2026-12-04T12:00:00.000Z',
    lastTransitionTime: '2026-12-04T12:00:00.000Z',
  })),
  addresses: [{ type: 'Hostname', address: 'board-1' }],
};

test('a payload over the minimum goes deflated and reads back the same; a small one goes as it is', () => {
  const json = encode(status);
  assert.ok(json.byteLength > DEFLATE_MIN_BYTES);
  const z = deflatePayload(json);
  assert.ok(z.byteLength < json.byteLength / 2, `${z.byteLength} of ${json.byteLength}`);
  assert.ok(isDeflated(z));
  assert.equal(parseNodeStatusReport(z), parseNodeStatusReport(json));
  const hb = encode({ seq: 1, time: 5 });
  assert.is(deflatePayload(hb), hb);
  assert.equal(parseHeartbeat(hb), { v: 1, seq: 1, time: 5 });
});

test('JSON never reads as deflated, whatever it starts with', () => {
  for (const start of ['{', ' ', '\n', '\r', '\t', '[', '\uFEFF', '"', 'x'])
    assert.not.ok(isDeflated(Buffer.from(`${start}{"v":1}`)), JSON.stringify(start));
  assert.not.ok(isDeflated(Buffer.from([0x78])));
});

const hostile: { name: string; bytes: () => Buffer; message: RegExp }[] = [
  {
    name: 'a bomb: 1.6 KB that inflates to 100 MB',
    bytes: () => deflateSync(Buffer.alloc(100 * 2 ** 20, 0x20), { level: 9 }),
    message: new RegExp(`inflates past ${MAX_AGENT_PAYLOAD_BYTES} bytes`),
  },
  {
    name: 'a valid header and a cut stream',
    bytes: () => deflateSync(encode(status)).subarray(0, 40),
    message: /does not inflate/,
  },
  {
    name: 'a valid header and garbage',
    bytes: () => Buffer.concat([Buffer.from([0x78, 0x9c]), Buffer.alloc(64, 0xff)]),
    message: /does not inflate/,
  },
  {
    name: 'deflated bytes that are not JSON',
    bytes: () => deflateSync(Buffer.from('not json at all')),
    message: /not JSON/,
  },
  {
    name: 'deflated bytes that are not UTF-8',
    bytes: () => deflateSync(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
    message: /not valid UTF-8/,
  },
];

for (const h of hostile)
  test(`refused with a ProtocolError: ${h.name}`, () => {
    const b = h.bytes();
    assert.ok(isDeflated(b));
    try {
      parseNodeStatusReport(b);
      assert.unreachable('should refuse');
    } catch (e) {
      assert.instance(e, ProtocolError);
      assert.match((e as Error).message, h.message);
    }
  });

test('inflatePayload stops at its bound with InflateError', () => {
  const z = deflateSync(Buffer.alloc(10_000));
  assert.throws(
    () => inflatePayload(z, 9_999),
    (e: unknown) => e instanceof InflateError,
  );
  assert.is(inflatePayload(z, 10_000).byteLength, 10_000);
});

test.run();
