// A bad link for one process in a network namespace (test/helpers/netns.ts), for the chaos
// suite: random packet loss on every packet in and out of the namespace (nftables `numgen
// random`, real drops that TCP must retransmit), and latency from a TCP relay on the host side
// that holds each chunk for `delayMs` in each direction (in order). This kernel has no netem
// (CONFIG_NET_SCH_NETEM is off), so the delay is added in user space; the loss is the kernel's.

import { execFileSync } from 'node:child_process';
import net from 'node:net';
import type { NetNs } from './netns.js';

export interface ImpairedLinkOptions {
  /** Percent of packets dropped in each direction, 0..100. */
  lossPercent: number;
  /** Added to each direction, ms. */
  delayMs: number;
  /** Where the relay forwards to (the hub's MQTT listener). */
  target: { host: string; port: number };
}

export class ImpairedLink {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** The address the process in the namespace connects to. */
  port = 0;

  private constructor(
    private readonly ns: NetNs,
    private readonly o: ImpairedLinkOptions,
  ) {
    this.server = net.createServer((c) => this.relay(c));
  }

  static async create(ns: NetNs, o: ImpairedLinkOptions): Promise<ImpairedLink> {
    const l = new ImpairedLink(ns, o);
    await new Promise<void>((resolve, reject) => {
      l.server.once('error', reject);
      l.server.listen(0, ns.hostAddr, () => resolve());
    });
    const a = l.server.address();
    l.port = typeof a === 'object' && a ? a.port : 0;
    if (o.lossPercent > 0 || o.delayMs > 0) l.impair(o.lossPercent, o.delayMs);
    return l;
  }

  /** From now on: lossPercent of the packets dropped each way, delayMs added each way. */
  impair(lossPercent: number, delayMs: number): void {
    this.o.delayMs = delayMs;
    const rules = `table inet drchaos {
      chain in { type filter hook input priority 0; counter; numgen random mod 100 < ${lossPercent} counter drop; }
      chain out { type filter hook output priority 0; counter; numgen random mod 100 < ${lossPercent} counter drop; }
    }`;
    execFileSync('ip', ['netns', 'exec', this.ns.name, 'nft', '-f', '-'], { input: rules });
  }

  /** Packets seen and dropped in the namespace since impair() (nft counters), both directions. */
  dropped(): { packets: number; dropped: number } {
    const out = execFileSync(
      'ip',
      ['netns', 'exec', this.ns.name, 'nft', 'list', 'table', 'inet', 'drchaos'],
      {
        encoding: 'utf8',
      },
    );
    const counts = [...out.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
    // Per chain: the first counter sees every packet, the second the dropped ones.
    return { packets: (counts[0] ?? 0) + (counts[2] ?? 0), dropped: (counts[1] ?? 0) + (counts[3] ?? 0) };
  }

  private relay(client: net.Socket): void {
    const up = net.connect(this.o.target.port, this.o.target.host);
    this.sockets.add(client).add(up);
    const delayed = (from: net.Socket, to: net.Socket) =>
      from.on('data', (d: Buffer) => {
        setTimeout(() => {
          if (!to.destroyed) to.write(d);
        }, this.o.delayMs);
      });
    delayed(client, up);
    delayed(up, client);
    const end = () => {
      // Close after the data in flight is delivered, as a slow link would.
      setTimeout(() => {
        client.destroy();
        up.destroy();
        this.sockets.delete(client);
        this.sockets.delete(up);
      }, this.o.delayMs);
    };
    for (const s of [client, up]) {
      s.on('close', end);
      s.on('error', end);
    }
  }

  close(): Promise<void> {
    try {
      execFileSync('ip', ['netns', 'exec', this.ns.name, 'nft', 'delete', 'table', 'inet', 'drchaos'], {
        stdio: 'ignore',
      });
    } catch {
      // the namespace may be gone already
    }
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
