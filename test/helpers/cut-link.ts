// A loopback TCP link that a test can cut silently, as a partition does: after cut() nothing
// passes either way and no error reaches either end (bytes are read and dropped, new
// connections are accepted and never forwarded), so a client finds out only by its own
// timeouts and pings. heal() drops the dead flows and forwards new connections again.

import net from 'node:net';

export class CutLink {
  private readonly server: net.Server;
  private readonly flows = new Set<net.Socket>();
  private isCut = false;
  /** The port to connect to instead of the target's. */
  port = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((c) => this.accept(c));
  }

  static async open(target: { host: string; port: number }): Promise<CutLink> {
    const l = new CutLink(target);
    await new Promise<void>((resolve, reject) => {
      l.server.once('error', reject);
      l.server.listen(0, '127.0.0.1', () => resolve());
    });
    l.port = (l.server.address() as net.AddressInfo).port;
    return l;
  }

  cut(): void {
    this.isCut = true;
  }

  heal(): void {
    this.isCut = false;
    for (const s of this.flows) s.destroy();
    this.flows.clear();
  }

  async close(): Promise<void> {
    for (const s of this.flows) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(client: net.Socket): void {
    this.flows.add(client);
    client.on('error', () => {});
    client.on('close', () => this.flows.delete(client));
    if (this.isCut) {
      client.on('data', () => {}); // a black hole: read, never answered
      return;
    }
    const up = net.connect(this.target.port, this.target.host);
    this.flows.add(up);
    up.on('error', () => {});
    up.on('close', () => {
      this.flows.delete(up);
      if (!this.isCut) client.destroy();
    });
    client.on('close', () => {
      if (!this.isCut) up.destroy();
    });
    // While cut, whatever either side sends is dropped.
    client.on('data', (d: Buffer) => {
      if (!this.isCut) up.write(d);
    });
    up.on('data', (d: Buffer) => {
      if (!this.isCut) client.write(d);
    });
  }
}
