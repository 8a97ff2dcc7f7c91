// A loopback TCP front for several API servers, as an L4 load balancer in front of a cluster's
// API servers is: each new connection goes to the first target that accepts it (a dead hub's
// port refuses at once), bytes pass untouched (TLS end to end: every hub's serving certificate
// is signed by the cluster CA, so one kubeconfig fits). A client whose watch broke when its hub
// died reconnects through it to a live hub: tests follow a cluster across hub kills this way.

import net from 'node:net';

export class FailoverLink {
  private readonly server: net.Server;
  private readonly flows = new Set<net.Socket>();
  /** The port to connect to instead of a hub's. */
  port = 0;

  private constructor(private readonly targets: number[]) {
    this.server = net.createServer((c) => this.accept(c));
  }

  /** Listens on a free loopback port in front of the given loopback ports, tried in order. */
  static async open(targets: number[]): Promise<FailoverLink> {
    const l = new FailoverLink(targets);
    await new Promise<void>((resolve, reject) => {
      l.server.once('error', reject);
      l.server.listen(0, '127.0.0.1', () => resolve());
    });
    l.port = (l.server.address() as net.AddressInfo).port;
    return l;
  }

  async close(): Promise<void> {
    for (const s of this.flows) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private track(s: net.Socket): void {
    this.flows.add(s);
    s.on('error', () => {});
    s.on('close', () => this.flows.delete(s));
  }

  private accept(client: net.Socket): void {
    this.track(client);
    client.pause(); // nothing is read until a target took the connection
    this.dial(client, 0);
  }

  private dial(client: net.Socket, i: number): void {
    const port = this.targets[i];
    if (port === undefined || client.destroyed) {
      client.destroy();
      return;
    }
    const up = net.connect(port, '127.0.0.1');
    let joined = false;
    up.once('error', () => {
      if (!joined) this.dial(client, i + 1);
    });
    up.once('connect', () => {
      joined = true;
      this.track(up);
      up.on('close', () => client.destroy());
      client.on('close', () => up.destroy());
      client.pipe(up);
      up.pipe(client);
      client.resume();
    });
  }
}
