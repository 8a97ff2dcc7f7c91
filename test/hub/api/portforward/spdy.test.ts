// The SPDY/3 server session kubectl port-forward talks to, on a real TCP connection with a
// hand-made client: header blocks through one zlib context per direction over many blocks,
// frames split at every byte, SYN_REPLY, data both ways, FIN, PING echo, RST; hostile bytes
// (a bad version, an oversized frame, a corrupt header block, an even stream id) close the
// session or refuse the stream, and every open stream hears of it.

import { connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePort } from '../../../../hub/api/portforward/pairs.js';
import {
  dataFrame,
  FLAG_FIN,
  FRAME_PING,
  FRAME_RST_STREAM,
  FRAME_SYN_REPLY,
  FRAME_SYN_STREAM,
  pingFrame,
  rstStreamFrame,
  SPDY_VERSION,
  type SpdyFrame,
  SpdyFrameReader,
  SpdyProtocolError,
} from '../../../../hub/api/portforward/spdy-frames.js';
import { SpdyHeaderCodec, type SpdyHeaders } from '../../../../hub/api/portforward/spdy-headers.js';
import { SpdyServerSession, type SpdyStream } from '../../../../hub/api/portforward/spdy-session.js';
import { waitFor } from '../../../helpers/wait.js';

const h = (o: Record<string, string>): SpdyHeaders => new Map(Object.entries(o).map(([k, v]) => [k, [v]]));

/** A SYN_STREAM as spdystream writes it (the server never sends one, so the test builds it). */
function synStream(id: number, block: Buffer, flags = 0, version = SPDY_VERSION): Buffer {
  const body = Buffer.alloc(10);
  body.writeUInt32BE(id);
  const head = Buffer.alloc(8);
  head.writeUInt32BE((0x8000 | version) * 0x10000 + FRAME_SYN_STREAM);
  head[4] = flags;
  head.writeUIntBE(10 + block.length, 5, 3);
  return Buffer.concat([head, body, block]);
}

test('header blocks: many blocks through one context each way come back equal', async () => {
  const client = new SpdyHeaderCodec();
  const server = new SpdyHeaderCodec();
  try {
    for (let i = 0; i < 20; i++) {
      const sent = h({ streamtype: i % 2 ? 'data' : 'error', port: String(8000 + i), requestid: String(i) });
      assert.equal(await server.decode(await client.encode(sent)), sent);
    }
    const multi: SpdyHeaders = new Map([['x', ['a', 'b']]]);
    assert.equal(await client.decode(await server.encode(multi)), multi);
  } finally {
    client.close();
    server.close();
  }
});

test('frame reader: frames split at every byte are found whole; an oversized frame is refused', () => {
  const bytes = Buffer.concat([dataFrame(1, Buffer.from('hello'), true), pingFrame(7), rstStreamFrame(3, 5)]);
  const r = new SpdyFrameReader(1024);
  const got: SpdyFrame[] = [];
  for (let i = 0; i < bytes.length; i++) got.push(...r.push(bytes.subarray(i, i + 1)));
  assert.is(got.length, 3);
  assert.equal(got[0], { kind: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.from('hello') });
  assert.is(got[1].kind === 'control' && got[1].type, FRAME_PING);
  assert.is(got[2].kind === 'control' && got[2].type, FRAME_RST_STREAM);
  assert.throws(
    () => new SpdyFrameReader(10).push(dataFrame(1, Buffer.alloc(11), false)),
    (e: Error) => e instanceof SpdyProtocolError,
  );
});

test('port header: 1-65535 only', () => {
  const cases: [string | undefined, number | undefined][] = [
    ['80', 80],
    ['65535', 65535],
    ['0', undefined],
    ['65536', undefined],
    ['-1', undefined],
    ['8o', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [v, want] of cases) assert.is(parsePort(v), want, String(v));
});

interface Harness {
  server: Server;
  client: Socket;
  streams: SpdyStream[];
  closed: { why?: Error; done: boolean };
  frames: SpdyFrame[];
  codec: SpdyHeaderCodec;
}

async function harness(onStream: (session: SpdyServerSession, s: SpdyStream) => void): Promise<Harness> {
  const streams: SpdyStream[] = [];
  const closed: Harness['closed'] = { done: false };
  const server = createServer((sock) => {
    const session: SpdyServerSession = new SpdyServerSession(
      sock,
      (s) => {
        streams.push(s);
        onStream(session, s);
      },
      (why) => {
        closed.why = why;
        closed.done = true;
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const client = connect({ host: '127.0.0.1', port });
  await new Promise((r) => client.once('connect', r));
  const frames: SpdyFrame[] = [];
  const reader = new SpdyFrameReader(1 << 24);
  client.on('data', (d: Buffer) => frames.push(...reader.push(d)));
  client.on('error', () => {});
  return { server, client, streams, closed, frames, codec: new SpdyHeaderCodec() };
}

async function done(x: Harness): Promise<void> {
  x.client.destroy();
  x.codec.close();
  await new Promise((r) => x.server.close(r));
}

test('session: accept, data both ways, FIN, PING echoed, client RST reaches the stream', async () => {
  const got: Buffer[] = [];
  let ended = false;
  let reset = false;
  const x = await harness((session, s) => {
    session.accept(s.id);
    if (s.id === 1) {
      s.onData = (b) => {
        got.push(b);
        session.data(s.id, Buffer.concat([Buffer.from('echo:'), b]));
      };
      s.onEnd = () => {
        ended = true;
        session.end(s.id);
      };
    } else
      s.onReset = () => {
        reset = true;
      };
  });
  try {
    x.client.write(synStream(1, await x.codec.encode(h({ streamtype: 'data', requestid: '0', port: '80' }))));
    x.client.write(dataFrame(1, Buffer.from('ping-pong'), false));
    x.client.write(pingFrame(9));
    x.client.write(dataFrame(1, Buffer.alloc(0), true));
    x.client.write(
      synStream(3, await x.codec.encode(h({ streamtype: 'error', requestid: '1', port: '80' }))),
    );
    x.client.write(rstStreamFrame(3, 5));
    await waitFor(() => ended && reset && x.frames.length >= 5, { what: 'the session to answer' });
    const reply = x.frames.find((f) => f.kind === 'control' && f.type === FRAME_SYN_REPLY);
    assert.ok(reply, 'SYN_REPLY sent');
    const echoed = x.frames.filter((f) => f.kind === 'data' && f.streamId === 1);
    assert.is(
      Buffer.concat(echoed.map((f) => (f.kind === 'data' ? f.data : Buffer.alloc(0)))).toString(),
      'echo:ping-pong',
    );
    assert.ok(
      echoed.some((f) => f.flags & FLAG_FIN),
      'our half ended with FIN',
    );
    const ping = x.frames.find((f) => f.kind === 'control' && f.type === FRAME_PING);
    assert.is(ping?.kind === 'control' && ping.body.readUInt32BE(0), 9);
    assert.is(Buffer.concat(got).toString(), 'ping-pong');
    assert.is(x.streams[0].headers.get('port')?.[0], '80');
  } finally {
    await done(x);
  }
});

test('hostile client: an even stream id is refused; bad version, oversized frame, corrupt headers close the session', async () => {
  const even = await harness((session, s) => session.accept(s.id));
  try {
    even.client.write(synStream(2, await even.codec.encode(h({ streamtype: 'data', requestid: '0' }))));
    await waitFor(() => even.frames.some((f) => f.kind === 'control' && f.type === FRAME_RST_STREAM), {
      what: 'RST_STREAM for stream 2',
    });
    assert.is(even.streams.length, 0, 'no stream reached the handler');
  } finally {
    await done(even);
  }
  const attacks: [string, (x: Harness) => Promise<Buffer>][] = [
    ['SPDY version 2', async (x) => synStream(1, await x.codec.encode(h({ a: 'b' })), 0, 2)],
    ['a 16 MB frame', async () => dataFrame(1, Buffer.alloc(2 * 1024 * 1024), false)],
    ['a header block that is not zlib', async () => synStream(1, Buffer.from('not compressed at all'))],
  ];
  for (const [what, bytes] of attacks) {
    let resetSeen = false;
    const x = await harness((session, s) => {
      session.accept(s.id);
      s.onReset = () => {
        resetSeen = true;
      };
    });
    try {
      // An open stream first, so its end can be checked.
      x.client.write(synStream(1, await x.codec.encode(h({ streamtype: 'data', requestid: '0' }))));
      await waitFor(() => x.streams.length === 1, { what: 'the first stream' });
      x.client.write(await bytes(x));
      await waitFor(() => x.closed.done, { what: `the session to close after ${what}` });
      assert.ok(x.closed.why instanceof SpdyProtocolError || x.closed.why === undefined, what);
      assert.ok(resetSeen, `${what}: the open stream was told`);
    } finally {
      await done(x);
    }
  }
});

test.run();
