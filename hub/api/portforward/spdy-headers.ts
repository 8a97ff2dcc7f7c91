// SPDY/3 header blocks (the draft's section 2.6.10): a count, then length-prefixed lower-case
// names and values (several values joined by NUL), compressed by one zlib context per direction
// for the whole session, preset with the SPDY dictionary and flushed (Z_SYNC_FLUSH) per block.
// Blocks are decoded one at a time, in frame order, since each continues the same context.

import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_HEADER_DICTIONARY } from './spdy-dictionary.js';
import { SpdyProtocolError } from './spdy-frames.js';

export type SpdyHeaders = Map<string, string[]>;

/** Largest decompressed header block accepted, bytes (kubectl's are under 100). */
const MAX_HEADER_BLOCK_BYTES = 64 * 1024;

/** Parses a decompressed block. Pure. */
export function parseHeaderBlock(b: Buffer): SpdyHeaders {
  let at = 0;
  const u32 = () => {
    if (at + 4 > b.length) throw new SpdyProtocolError('header block cut short');
    const v = b.readUInt32BE(at);
    at += 4;
    return v;
  };
  const str = () => {
    const n = u32();
    if (at + n > b.length) throw new SpdyProtocolError('header block cut short');
    const s = b.toString('latin1', at, at + n);
    at += n;
    return s;
  };
  const out: SpdyHeaders = new Map();
  const count = u32();
  for (let i = 0; i < count; i++) {
    const name = str();
    const value = str();
    if (name === '' || name !== name.toLowerCase())
      throw new SpdyProtocolError(`header name ${JSON.stringify(name)} is empty or not lower-case`);
    if (out.has(name)) throw new SpdyProtocolError(`header ${name} appears twice`);
    out.set(name, value.split('\0'));
  }
  return out;
}

/** Serializes a block before compression. Pure. */
export function serializeHeaderBlock(h: SpdyHeaders): Buffer {
  const parts: Buffer[] = [u32(h.size)];
  for (const [name, values] of h) {
    const n = Buffer.from(name.toLowerCase(), 'latin1');
    const v = Buffer.from(values.join('\0'), 'latin1');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Runs one block through a streaming zlib context and collects what the sync flush yields. */
function through(z: Inflate | Deflate, input: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    let size = 0;
    const onData = (d: Buffer) => {
      size += d.length;
      got.push(d);
    };
    const onError = (e: Error) => {
      z.off('data', onData);
      reject(new SpdyProtocolError(`header block: ${e.message}`));
    };
    z.on('data', onData);
    z.once('error', onError);
    z.write(input);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      z.off('data', onData);
      z.off('error', onError);
      if (size > limit) reject(new SpdyProtocolError(`header block over ${limit} bytes`));
      else resolve(Buffer.concat(got));
    });
  });
}

/** The session's two header contexts. */
export class SpdyHeaderCodec {
  private readonly inflate = createInflate({ dictionary: SPDY3_HEADER_DICTIONARY });
  private readonly deflate = createDeflate({ dictionary: SPDY3_HEADER_DICTIONARY });

  async decode(compressed: Buffer): Promise<SpdyHeaders> {
    return parseHeaderBlock(await through(this.inflate, compressed, MAX_HEADER_BLOCK_BYTES));
  }

  encode(h: SpdyHeaders): Promise<Buffer> {
    return through(this.deflate, serializeHeaderBlock(h), Number.POSITIVE_INFINITY);
  }

  close(): void {
    this.inflate.destroy();
    this.deflate.destroy();
  }
}
