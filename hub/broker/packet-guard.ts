// A stream between a plain client's socket and aedes (over TLS the broker's socket has the same
// checks in itself: guarded-tls-socket.ts). It follows MQTT framing as bytes arrive
// (mqtt-framing.ts) and closes the connection as soon as a packet declares more than the client
// may send, before anything is buffered; the limit starts at the CONNECT size and is raised once
// the client is authenticated. Writes towards the client are capped by the bytes queued and not
// yet taken by its socket. A packet that mqtt-packet wrote in pieces under a cork reaches the
// socket as one write (_writev): one system call per packet, not one per piece (a PUBACK was
// three).

import { Duplex } from 'node:stream';
import type net from 'node:net';
import { MqttFraming } from './mqtt-framing.js';

export { PacketTooLargeError } from './mqtt-framing.js';

/** The client does not read what the broker sends it fast enough. */
export class QueueLimitError extends Error {
  override name = 'QueueLimitError';
  constructor(readonly queued: number) {
    super(`${queued} bytes queued towards the client: it does not read`);
  }
}

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
  private readonly framing: MqttFraming;

  constructor(
    readonly socket: net.Socket,
    limit: number,
    private maxQueuedBytes: number,
  ) {
    super({ allowHalfOpen: false });
    this.framing = new MqttFraming(limit);
    (socket as GuardedSocket)[GUARD] = this;
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('close', onSocketClose);
    socket.on('error', onSocketError);
    socket.on('drain', onSocketDrain);
  }

  /** A chunk read from the socket (its 'data' listener): its packets followed, then handed on. */
  fromSocket(chunk: Buffer): void {
    const err = this.framing.inspect(chunk);
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
    this.framing.limit = maxPacketBytes;
    this.maxQueuedBytes = maxQueuedBytes;
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.socket.write(chunk)) cb();
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
