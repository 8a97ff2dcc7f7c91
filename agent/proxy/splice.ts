// Joins two sockets both ways; either side ending or failing ends both.

import type { Socket } from 'node:net';

export function splice(a: Socket, b: Socket): void {
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end);
  b.on('error', end);
  a.on('close', end);
  b.on('close', end);
  a.pipe(b);
  b.pipe(a);
  a.resume();
  b.resume();
}
