// The TLS socket over a connection the broker accepted (and read the ClientHello of itself,
// broker.ts). TLSSocket puts a once('connect') on the socket it wraps, for a client socket still
// connecting; an accepted one never emits it, so the listener stayed for the connection's life
// (~0.2 KiB of heap per board: the once wrapper, its state and a closure over the TLSSocket).

import type net from 'node:net';
import tls from 'node:tls';

export function serverTlsSocket(
  raw: net.Socket,
  secureContext: tls.SecureContext | undefined,
): tls.TLSSocket {
  const s = new tls.TLSSocket(raw, { isServer: true, secureContext });
  // Accepted: connected already, and nobody else listens for 'connect' on it.
  raw.removeAllListeners('connect');
  return s;
}
