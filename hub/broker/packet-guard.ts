// A stream between a client's socket and aedes that reads MQTT framing (fixed header and
// remaining length) as bytes arrive and closes the connection as soon as a packet declares
// more than the client may send, before anything is buffered: mqtt-packet's parser would
// otherwise hold the whole packet in memory, and aedes has no maximum packet size. The limit
// starts at the CONNECT size and is raised once the client is authenticated. Writes towards
// the client are capped by the bytes queued and not yet taken by its socket. A packet that
// mqtt-packet wrote in pieces under a cork reaches the socket as one write (_writev): one TLS
// record and one system call per packet, not one per piece (a PUBACK was three of each).
// Over TLS (recordBytes set) what is queued goes out in records of at most that many bytes, the
// next one only once the last has left (tls-records.ts: Node keeps a 16 KiB buffer for good on
// every TLS connection that had more than ~1 KiB waiting to go out at once).

import { Duplex } from 'node:stream';
import type net from 'node:net';
import { writeInRecords } from './tls-records.js';

/** The client declared a packet larger than it may send. */
export class PacketTooLargeError extends Error {
  override name = 'PacketTooLargeError';
  constructor(
    readonly declared: number,
    readonly limit: number,
  ) {
    super(`MQTT packet of ${declared} bytes exceeds the limit of ${limit} bytes`);
  }
}

/** The client does not read what the broker sends it fast enough. */
export class QueueLimitError extends Error {
  override name = 'QueueLimitError';
  constructor(readonly queued: number) {
    super(`${queued} bytes queued towards the client: it does not read`);
  }
}

/** A remaining-length varint has at most 4 bytes (MQTT 3.1.1 section 2.2.3). */
const MAX_LENGTH_BYTES = 4;

type WriteCallback = (error: Error | null | undefined) => void;

/** The guard behind each socket, for the socket listeners every guard shares. */
const GUARD = Symbol('packetGuard');
type GuardedSocket = net.Socket & { [GUARD]?: PacketGuard };

// One function per event for all connections, `this` being the socket, not five listeners and a
// bound write made per guard (with broker.ts's own: 26.6 -> 25.2 KiB of heap per board).
function onSocketData(this: GuardedSocket, chunk: Buffer): void {
  this[GUARD]?.fromSocket(chunk);
}
function onSocketEnd(this: GuardedSocket): void {
  this[GUARD]?.push(null);
}
function onSocketClose(this: GuardedSocket): void {
  this[GUARD]?.destroy();
}
function onSocketError(this: GuardedSocket, e: Error): void {
  this[GUARD]?.destroy(e);
}
function onSocketDrain(this: GuardedSocket): void {
  this[GUARD]?.emit('socketDrain');
}

export class PacketGuard extends Duplex {
  private state: 'header' | 'length' | 'body' = 'header';
  private length = 0;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(
    readonly socket: net.Socket,
    private limit: number,
    private maxQueuedBytes: number,
    /** Over TLS: the most plaintext bytes per TLS record (tls-records.ts); undefined: writes as they come. */
    private readonly recordBytes?: number,
  ) {
    super({ allowHalfOpen: false });
    (socket as GuardedSocket)[GUARD] = this;
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('close', onSocketClose);
    socket.on('error', onSocketError);
    socket.on('drain', onSocketDrain);
  }

  /** A chunk read from the socket (its 'data' listener): its packets followed, then handed on. */
  fromSocket(chunk: Buffer): void {
    const err = this.inspect(chunk);
    if (err) {
      this.destroy(err);
      return;
    }
    if (!this.push(chunk)) this.socket.pause();
  }

  // Every write counts what waits for the client, here and in the socket (aedes writes on even
  // when told to wait for drain).
  override write(chunk: unknown, cb?: WriteCallback): boolean;
  override write(chunk: unknown, encoding: BufferEncoding, cb?: WriteCallback): boolean;
  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    // Writable.write takes a callback in the encoding's place itself.
    const ok = super.write(chunk, encoding as BufferEncoding, cb);
    const queued = this.writableLength + this.socket.writableLength;
    if (queued > this.maxQueuedBytes) this.destroy(new QueueLimitError(queued));
    return ok;
  }

  /** After authentication: the client's own packet and queue limits. */
  setLimits(maxPacketBytes: number, maxQueuedBytes: number): void {
    this.limit = maxPacketBytes;
    this.maxQueuedBytes = maxQueuedBytes;
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  /** Follows packet boundaries through the chunk; an error when a packet is too large. */
  private inspect(chunk: Buffer): Error | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const n = Math.min(this.remaining, chunk.length - i);
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) this.state = 'header';
      } else if (this.state === 'header') {
        i++; // packet type and flags
        this.state = 'length';
        this.length = 0;
        this.lengthBytes = 0;
      } else {
        const b = chunk[i++];
        this.length += (b & 0x7f) * 128 ** this.lengthBytes;
        this.lengthBytes++;
        if (b & 0x80) {
          if (this.lengthBytes >= MAX_LENGTH_BYTES) return new Error('malformed MQTT remaining length');
          continue;
        }
        const total = 1 + this.lengthBytes + this.length;
        if (total > this.limit) return new PacketTooLargeError(total, this.limit);
        this.remaining = this.length;
        this.state = this.remaining > 0 ? 'body' : 'header';
      }
    }
    return undefined;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.recordBytes !== undefined) writeInRecords(this.socket, chunk, this.recordBytes, cb);
    else if (this.socket.write(chunk)) cb();
    else this.once('socketDrain', () => cb());
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (e?: Error | null) => void): void {
    const whole = chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk));
    this._write(whole, 'binary', cb); // the encoding of a Buffer chunk is not read
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}
