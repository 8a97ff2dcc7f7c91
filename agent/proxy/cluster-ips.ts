// ClusterIPs as local addresses: a ClusterIP that is not an address of this board goes on a
// dummy interface (`ip link add drover-svc type dummy`, `ip addr add IP/32`), as kube-proxy's
// IPVS mode binds Service addresses to kube-ipvs0, so the proxy can listen on it and pods reach
// it through their default route to the host. Addresses it put there and no longer needs go.

import { execFile } from 'node:child_process';
import type { Logger } from '../../shared/log.js';

export class ClusterIpError extends Error {
  override name = 'ClusterIpError';
}

function ip(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: 5000 }, (e, out, err) =>
      e
        ? reject(new ClusterIpError(`ip ${args.join(' ')}: ${String(err).trim() || e.message}`))
        : resolve(out),
    );
  });
}

/** Where addresses go when the kernel cannot make a dummy link. */
const FALLBACK_INTERFACE = 'lo';

export class ClusterIps {
  private linkReady = false;
  private iface: string;
  private readonly added = new Set<string>();

  constructor(
    iface: string,
    private readonly log: Logger,
  ) {
    this.iface = iface;
  }

  /** Puts address on the interface (creating it once). */
  async add(address: string): Promise<void> {
    if (!this.linkReady) {
      const links = await ip(['-o', 'link', 'show']);
      if (!links.includes(` ${this.iface}:`))
        await ip(['link', 'add', this.iface, 'type', 'dummy']).catch((e: Error) => {
          if (!/Unknown device type|not supported/i.test(e.message)) throw e;
          this.log.info('no dummy links on this kernel; Service addresses go on the loopback device', {
            interface: FALLBACK_INTERFACE,
          });
          this.iface = FALLBACK_INTERFACE;
        });
      await ip(['link', 'set', this.iface, 'up']);
      this.linkReady = true;
    }
    await ip(['addr', 'replace', `${address}/32`, 'dev', this.iface]);
    this.added.add(address);
  }

  /** Removes the addresses it added that are not in keep. */
  async prune(keep: Set<string>): Promise<void> {
    for (const a of [...this.added])
      if (!keep.has(a)) {
        this.added.delete(a);
        await ip(['addr', 'del', `${a}/32`, 'dev', this.iface]).catch((e: Error) =>
          this.log.debug('cluster IP removal failed', { address: a, error: e.message }),
        );
      }
  }
}
