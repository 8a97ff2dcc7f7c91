// ClusterIPs as local addresses: a ClusterIP that is not an address of this board goes on a
// dummy interface (`ip link add drover-svc type dummy`, `ip addr add IP/32`), as kube-proxy's
// IPVS mode binds Service addresses to kube-ipvs0, so the proxy can listen on it and pods reach
// it through their default route to the host. Addresses it put there and no longer needs go,
// also those a previous run put there (kept in a file: an agent killed or updated cannot clean
// up, and on the loopback fallback nothing else tells its addresses from the board's own).

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { writeAtomic } from '../write-atomic.js';
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

/** The addresses added, each with the interface it went on, as kept in the state file. */
type Added = Map<string, string>;

function parseState(text: string): Added {
  const out: Added = new Map();
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null) return out;
  for (const [a, dev] of Object.entries((v as { addresses?: unknown }).addresses ?? {}))
    if (isIP(a) === 4 && typeof dev === 'string' && /^[\w.-]{1,15}$/.test(dev)) out.set(a, dev);
  return out;
}

export class ClusterIps {
  private linkReady = false;
  private iface: string;
  private readonly added: Added = new Map();
  /** Added or removed since the file was last written. */
  private changed = false;

  constructor(
    iface: string,
    private readonly log: Logger,
    /** Where the addresses it added are kept across restarts (none: this run's only). */
    private readonly stateFile?: string,
  ) {
    this.iface = iface;
    if (stateFile)
      try {
        this.added = parseState(readFileSync(stateFile, 'utf8'));
      } catch {
        // none yet, or unreadable: nothing of a previous run to clean up
      }
  }

  private save(): void {
    if (!this.stateFile) return;
    try {
      const addresses = Object.fromEntries(this.added);
      writeAtomic(this.stateFile, `${JSON.stringify({ addresses })}\n`);
    } catch (e) {
      this.log.debug('cannot record the cluster IPs added', { error: (e as Error).message });
    }
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
    this.added.set(address, this.iface);
    this.changed = true; // recorded by the next prune, once per table (one fsync, not one per address)
  }

  /** Removes the addresses it added (this run or one before) that are not in keep; records the rest. */
  async prune(keep: Set<string>): Promise<void> {
    for (const [a, dev] of [...this.added])
      if (!keep.has(a)) {
        this.added.delete(a);
        this.changed = true;
        await ip(['addr', 'del', `${a}/32`, 'dev', dev]).catch((e: Error) =>
          this.log.debug('cluster IP removal failed', { address: a, error: e.message }),
        );
      }
    if (this.changed) this.save();
    this.changed = false;
  }
}
