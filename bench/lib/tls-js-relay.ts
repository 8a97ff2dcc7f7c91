// The tls-connection-memory benchmark's `tls-js` variant: a server TLSSocket whose encrypted input
// reaches TLS through a small JS relay (Node's JSStreamSocket) instead of straight from the
// socket's native handle, so each chunk reaches Node's NodeBIO at its own size rather than into a
// block as large as libuv's 64 KiB read suggestion (TLSWrap::OnStreamAlloc ->
// NodeBIO::PeekWritable). Tried for issue #21's hub RSS goal and NOT used by the broker: the
// broker already reads a connection's first bytes before its TLSSocket takes the socket, which
// avoids that block too, and in the hub the relay cost memory and CPU (docs/architecture.md,
// hub memory). Kept so the benchmark can show the comparison.
// Semantics as a TLSSocket over the socket: errors and close paths (JSStreamSocket forwards the
// relay's errors and destroys it when it closes; the relay follows the socket's end, close and
// errors), backpressure both ways (a write is done once the socket has flushed it; a relay that
// TLS does not read pauses the socket). The TLSSocket's addresses would be JSStream's (none), so
// they are the socket's.

import type net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';

/** Passes bytes between an accepted socket and the TLSSocket over it, in JS. */
class SocketRelay extends Duplex {
  constructor(private readonly socket: net.Socket) {
    super({ allowHalfOpen: socket.allowHalfOpen });
    // Bytes the socket has already buffered (the broker's first-bytes check) come first.
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (err) => this.destroy(err));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.socket.write(chunk, cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.socket.cork();
    for (let i = 0; i < chunks.length - 1; i++) this.socket.write(chunks[i]!.chunk);
    this.socket.write(chunks[chunks.length - 1]!.chunk, cb);
    this.socket.uncork();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}

/** The same remote and local addresses as `raw`, on the TLSSocket over it. */
const ADDRESS_PROPS = ['remoteAddress', 'remotePort', 'remoteFamily', 'localAddress', 'localPort'] as const;

/**
 * A server TLSSocket over an accepted socket, as `new tls.TLSSocket(raw, { isServer: true,
 * secureContext })`, holding ~20 KiB less per idle connection (see the header).
 */
export function serverTlsSocketThroughJs(
  raw: net.Socket,
  secureContext: tls.SecureContext | undefined,
): tls.TLSSocket {
  const s = new tls.TLSSocket(new SocketRelay(raw), { isServer: true, secureContext });
  for (const prop of ADDRESS_PROPS) Object.defineProperty(s, prop, { get: () => raw[prop] });
  return s;
}
