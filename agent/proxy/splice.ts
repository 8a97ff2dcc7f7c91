// Joins two sockets both ways. A half-close passes through (a client that sends its request and
// then FIN still gets the answer, as through kube-proxy's NAT); the pair is torn down when
// either side fails or is fully closed. Both sockets must be created with allowHalfOpen.

import type { Socket } from 'node:net';

export function splice(a: Socket, b: Socket): void {
  const kill = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', kill);
  b.on('error', kill);
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
  a.pipe(b);
  b.pipe(a);
  a.resume();
  b.resume();
}
