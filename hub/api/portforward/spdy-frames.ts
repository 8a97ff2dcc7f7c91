// SPDY/3 framing (the draft's section 2.2), what kubectl's port-forward speaks inside its
// WebSocket (kubectl 1.31+, `SPDY/3.1+portforward.k8s.io`) or on an upgraded connection: an
// incremental frame reader and the writers of the frames a port-forward server sends. Header
// blocks stay compressed here; spdy-headers.ts owns the zlib contexts.

/** The SPDY version in every control frame. */
export const SPDY_VERSION = 3;

export const FRAME_SYN_STREAM = 1;
export const FRAME_SYN_REPLY = 2;
export const FRAME_RST_STREAM = 3;
export const FRAME_SETTINGS = 4;
export const FRAME_PING = 6;
export const FRAME_GOAWAY = 7;
export const FRAME_HEADERS = 8;
export const FRAME_WINDOW_UPDATE = 9;

/** FLAG_FIN on a data frame or SYN_STREAM/SYN_REPLY: the sender's half of the stream is done. */
export const FLAG_FIN = 0x01;

/** RST_STREAM status codes used here. */
export const RST_PROTOCOL_ERROR = 1;
export const RST_REFUSED_STREAM = 3;
export const RST_CANCEL = 5;

/** Frame header size, bytes (both kinds). */
const HEADER_BYTES = 8;

/** The peer broke the framing: the session is closed. */
export class SpdyProtocolError extends Error {
  override name = 'SpdyProtocolError';
}

export type SpdyFrame =
  | { kind: 'data'; streamId: number; flags: number; data: Buffer }
  | { kind: 'control'; type: number; version: number; flags: number; body: Buffer };

/**
 * Splits a byte stream into frames. `maxFrameBytes` bounds what one frame may declare, so a
 * peer cannot make the reader hold an unbounded buffer.
 */
export class SpdyFrameReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrameBytes: number) {}

  /** Appends bytes; returns the frames completed by them. Throws SpdyProtocolError. */
  push(chunk: Buffer): SpdyFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: SpdyFrame[] = [];
    while (this.buf.length >= HEADER_BYTES) {
      const first = this.buf.readUInt32BE(0);
      const flags = this.buf[4];
      const length = this.buf.readUIntBE(5, 3);
      if (length > this.maxFrameBytes)
        throw new SpdyProtocolError(`frame of ${length} bytes, more than ${this.maxFrameBytes}`);
      if (this.buf.length < HEADER_BYTES + length) break;
      const body = this.buf.subarray(HEADER_BYTES, HEADER_BYTES + length);
      this.buf = this.buf.subarray(HEADER_BYTES + length);
      if (first & 0x80000000)
        out.push({ kind: 'control', version: (first >>> 16) & 0x7fff, type: first & 0xffff, flags, body });
      else out.push({ kind: 'data', streamId: first & 0x7fffffff, flags, data: body });
    }
    return out;
  }
}

function control(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.writeUInt32BE((0x8000 | SPDY_VERSION) * 0x10000 + type);
  h[4] = flags;
  h.writeUIntBE(body.length, 5, 3);
  return Buffer.concat([h, body]);
}

function words(...v: number[]): Buffer {
  const b = Buffer.alloc(4 * v.length);
  for (const [i, x] of v.entries()) b.writeUInt32BE(x >>> 0, 4 * i);
  return b;
}

/** A data frame; an empty one with FLAG_FIN ends the sender's half. */
export function dataFrame(streamId: number, data: Buffer, fin: boolean): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.writeUInt32BE(streamId & 0x7fffffff);
  h[4] = fin ? FLAG_FIN : 0;
  h.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([h, data]);
}

/** SYN_REPLY accepting a stream; `headerBlock` is already compressed. */
export function synReplyFrame(streamId: number, headerBlock: Buffer): Buffer {
  return control(FRAME_SYN_REPLY, 0, Buffer.concat([words(streamId & 0x7fffffff), headerBlock]));
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  return control(FRAME_RST_STREAM, 0, words(streamId & 0x7fffffff, status));
}

export function pingFrame(id: number): Buffer {
  return control(FRAME_PING, 0, words(id));
}

export function goAwayFrame(lastGoodStreamId: number, status: number): Buffer {
  return control(FRAME_GOAWAY, 0, words(lastGoodStreamId & 0x7fffffff, status));
}

/** SYN_STREAM's fixed fields; the header block follows them. */
export function parseSynStream(body: Buffer): { streamId: number; headerBlock: Buffer } {
  if (body.length < 10) throw new SpdyProtocolError('SYN_STREAM shorter than its fixed fields');
  const streamId = body.readUInt32BE(0) & 0x7fffffff;
  if (streamId === 0) throw new SpdyProtocolError('SYN_STREAM for stream 0');
  return { streamId, headerBlock: body.subarray(10) };
}

/** The stream id (first word) of RST_STREAM, WINDOW_UPDATE, HEADERS; the ping id of PING. */
export function firstWord(body: Buffer): number {
  if (body.length < 4) throw new SpdyProtocolError('control frame shorter than its fixed fields');
  return body.readUInt32BE(0) & 0x7fffffff;
}
