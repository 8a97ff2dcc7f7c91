// The relay: another board's proxy asks, with one request line `<ip>:<port>\n`, for a pod on
// this board; only this board's Ready endpoints (from the hub's table) are accepted, so the
// relay is no open forwarder. Once the pod accepts, `OK\n` is answered and the bytes flow.

import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../shared/log.js';
import { PROXY_RELAY_MAX_HEADER_BYTES, PROXY_RELAY_OK } from '../../shared/protocol/constants.js';
import { connectBackend } from './connect.js';
import { splice } from './splice.js';

const REQUEST = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;

export interface RelayOptions {
  host: string;
  port: number;
  headerTimeoutMs: number;
  connectTimeoutMs: number;
  /** Whether `ip:port` is a Ready endpoint on this board now. */
  allowed(target: string): boolean;
  log: Logger;
}

export class Relay {
  private server?: Server;
  /** Requests refused (bad line, not a local endpoint, pod did not accept). */
  refused = 0;

  constructor(private readonly o: RelayOptions) {}

  async start(): Promise<void> {
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (s) => this.onConnection(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.o.log.warn('relay listener error', { error: e.message }));
    this.server = server;
  }

  stop(): void {
    this.server?.close();
  }

  /** The bound port (the configured one, or the one picked for port 0). */
  port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : this.o.port;
  }

  private refuse(s: Socket, why: string): void {
    this.refused++;
    this.o.log.debug('relay request refused', { why, from: s.remoteAddress });
    s.destroy();
  }

  private onConnection(s: Socket): void {
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => this.refuse(s, 'no request line in time'), this.o.headerTimeoutMs);
    s.on('error', () => s.destroy());
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const nl = buf.indexOf(10);
      if (nl < 0) {
        if (buf.length > PROXY_RELAY_MAX_HEADER_BYTES) {
          clearTimeout(t);
          s.off('data', onData);
          this.refuse(s, 'request line too long');
        }
        return;
      }
      clearTimeout(t);
      s.off('data', onData);
      s.pause();
      const line = buf.subarray(0, nl).toString('latin1');
      const rest = buf.subarray(nl + 1);
      const m = REQUEST.exec(line);
      if (!m || !this.o.allowed(line)) return this.refuse(s, `not a local endpoint: ${line.slice(0, 64)}`);
      void this.forward(s, m[1], Number(m[2]), rest);
    };
    s.on('data', onData);
    s.resume();
  }

  private async forward(s: Socket, ip: string, port: number, rest: Buffer): Promise<void> {
    try {
      const { socket } = await connectBackend({ ip, port, node: '' }, this.o.connectTimeoutMs);
      if (s.destroyed) {
        socket.destroy();
        return;
      }
      s.write(PROXY_RELAY_OK);
      if (rest.length) socket.write(rest);
      splice(s, socket);
    } catch (e) {
      this.refuse(s, (e as Error).message);
    }
  }
}
