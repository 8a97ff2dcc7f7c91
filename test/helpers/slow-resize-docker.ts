// A Docker socket in front of the real one that holds each exec resize request for `delayMs`
// (what a loaded dockerd does: 68 ms once at load ~7, past the keys typed after it), passing
// everything else at once, in order per connection. An agent started with --docker-socket on
// it meets a terminal whose first size comes late.

import net from 'node:net';
import { join } from 'node:path';
import { tempDir } from './tmp.js';

const RESIZE = /^POST \S*\/exec\/[^/\s]+\/resize[?\s]/;

export class SlowResizeDocker {
  // Half-open both ways: an exec's stdin ends by the agent's half-close, its output still comes.
  private readonly server = net.createServer({ allowHalfOpen: true }, (c) => this.relay(c));
  private readonly sockets = new Set<net.Socket>();
  /** The socket the agent is given. */
  readonly path = join(tempDir('drover-slow-docker-'), 'docker.sock');
  /** Resize requests held so far. */
  held = 0;

  constructor(
    private readonly delayMs: number,
    private readonly target = '/var/run/docker.sock',
  ) {}

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => resolve());
    });
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }

  private relay(client: net.Socket): void {
    const up = net.connect({ path: this.target, allowHalfOpen: true });
    this.sockets.add(client).add(up);
    // Chunks go up in order: one behind a held resize waits with it.
    let tail = Promise.resolve();
    client.on('data', (d: Buffer) => {
      const hold = RESIZE.test(d.subarray(0, 256).toString('latin1'));
      if (hold) this.held++;
      tail = tail
        .then(() => (hold ? new Promise((r) => setTimeout(r, this.delayMs)) : undefined))
        .then(() => {
          if (!up.destroyed) up.write(d);
        });
    });
    client.on('end', () => {
      tail = tail.then(() => {
        up.end();
      });
    });
    up.pipe(client);
    const end = () => {
      client.destroy();
      up.destroy();
      this.sockets.delete(client);
      this.sockets.delete(up);
    };
    for (const s of [client, up]) {
      s.on('close', end);
      s.on('error', end);
    }
  }
}
