// The broker's TLS socket to a board, with the packet guard's checks in it (packet-guard.ts):
// what the board sends is followed packet by packet and a packet over its limit closes the
// connection before it is buffered (mqtt-framing.ts), what waits to go out is capped, and it
// goes out in records of at most recordBytes (tls-records.ts). aedes reads and writes this
// socket itself: a PacketGuard between them was a Duplex stream per board (its two states,
// listeners, buffers and a bound write: 0.67 KiB of heap per board in bench/hub-heap.ts) and
// a stream hop for every message. TLSSocket puts a once('connect') on the
// socket it wraps, for a client socket still connecting; an accepted one never emits it, so
// it is taken off (it stayed for the connection's life: ~0.2 KiB per board).

import type net from 'node:net';
import tls from 'node:tls';
import { MqttFraming } from './mqtt-framing.js';
import { QueueLimitError } from './packet-guard.js';
import { writeInRecords } from './tls-records.js';

type WriteCallback = (error: Error | null | undefined) => void;

/** The encoding net's write reads as "a Buffer". */
const BUFFER = 'buffer' as BufferEncoding;

export class GuardedTlsSocket extends tls.TLSSocket {
  private readonly framing: MqttFraming;
  private maxQueuedBytes: number;
  private readonly recordBytes: number;

  constructor(
    raw: net.Socket,
    secureContext: tls.SecureContext | undefined,
    maxPacketBytes: number,
    maxQueuedBytes: number,
    recordBytes: number,
  ) {
    super(raw, { isServer: true, secureContext });
    // Accepted: connected already, and nobody else listens for 'connect' on it.
    raw.removeAllListeners('connect');
    this.framing = new MqttFraming(maxPacketBytes);
    this.maxQueuedBytes = maxQueuedBytes;
    this.recordBytes = recordBytes;
  }

  /** After authentication: the client's own packet and queue limits. */
  setLimits(maxPacketBytes: number, maxQueuedBytes: number): void {
    this.framing.limit = maxPacketBytes;
    this.maxQueuedBytes = maxQueuedBytes;
  }

  // What TLS decrypted, on its way to the reader (aedes): followed packet by packet first.
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk instanceof Uint8Array) {
      const err = this.framing.inspect(chunk);
      if (err) {
        this.destroy(err);
        return false;
      }
    }
    return super.push(chunk, encoding);
  }

  // Every write counts what waits for the client (aedes writes on even when told to wait).
  override write(chunk: unknown, cb?: WriteCallback): boolean;
  override write(chunk: unknown, encoding: BufferEncoding, cb?: WriteCallback): boolean;
  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    // Writable.write takes a callback in the encoding's place itself.
    const ok = super.write(chunk as Buffer, encoding as BufferEncoding, cb);
    if (this.writableLength > this.maxQueuedBytes) this.destroy(new QueueLimitError(this.writableLength));
    return ok;
  }

  // A socket does not turn strings into Buffers (decodeStrings: false), mqtt-packet writes topics
  // as strings: made bytes here, so records can be cut. 'buffer': net's write reads any other
  // encoding as a string's.
  override _write(chunk: Buffer | string, encoding: BufferEncoding, cb: (e?: Error | null) => void): void {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    const sink = {
      write: (piece: Buffer, next: (e?: Error | null) => void) => super._write(piece, BUFFER, next),
    };
    writeInRecords(sink, data, this.recordBytes, cb);
  }

  // A packet mqtt-packet wrote in pieces under a cork, or a burst: joined, then in records.
  override _writev(
    chunks: { chunk: Buffer | string; encoding: BufferEncoding }[],
    cb: (e?: Error | null) => void,
  ): void {
    const bytes = (c: { chunk: Buffer | string; encoding: BufferEncoding }) =>
      typeof c.chunk === 'string' ? Buffer.from(c.chunk, c.encoding) : c.chunk;
    this._write(chunks.length === 1 ? bytes(chunks[0]!) : Buffer.concat(chunks.map(bytes)), BUFFER, cb);
  }
}
