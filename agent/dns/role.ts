// The agent's DNS role: puts the cluster DNS address on the proxy's dummy interface when it is
// not a local address yet (as NodeLocal DNSCache binds 169.254.20.10 to its own interface), then
// serves it (server.ts). Forwarding goes to the board's own resolvers. A failure to listen is
// logged and leaves pods without Service names, nothing else.

import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Logger } from '../../shared/log.js';
import type { ServiceTable } from '../../shared/protocol/messages.js';
import { ClusterIps } from '../proxy/cluster-ips.js';
import { PROXY_DEFAULTS } from '../proxy/options.js';
import { DNS_DEFAULTS, type DnsOptions, upstreamsFrom } from './options.js';
import { DnsServer } from './server.js';

/** The board's resolver configuration, read once at start. */
const RESOLV_CONF = '/etc/resolv.conf';

function isLocal(address: string): boolean {
  return Object.values(networkInterfaces()).some((l) => l?.some((a) => a.address === address));
}

export class ClusterDns {
  private server?: DnsServer;

  constructor(
    private readonly o: Pick<DnsOptions, 'address' | 'domain'> & Partial<DnsOptions>,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    let resolv = '';
    try {
      resolv = readFileSync(RESOLV_CONF, 'utf8');
    } catch {
      // No resolv.conf: names outside the cluster are refused.
    }
    const opts: DnsOptions = { ...DNS_DEFAULTS, upstreams: upstreamsFrom(resolv, this.o.address), ...this.o };
    try {
      if (!isLocal(opts.address))
        await new ClusterIps(PROXY_DEFAULTS.clusterIpInterface, this.log).add(opts.address);
      const s = new DnsServer(opts, this.log);
      await s.start();
      this.server = s;
    } catch (e) {
      this.log.warn('cluster DNS cannot serve; pods will not resolve Service names', {
        address: opts.address,
        error: (e as Error).message,
      });
    }
  }

  apply(table: ServiceTable): void {
    this.server?.apply(table);
  }

  stop(): void {
    this.server?.stop();
  }
}
