// A network namespace joined to the host by a veth pair, to cut and restore one process's
// network in a test: the host side holds `hostAddr`, the namespace side `nsAddr`, on a small
// private /30. `down()` sets the host end down (a partition: packets are dropped, no RST, as
// when a board loses its uplink), `up()` heals it. Processes run inside with `ip netns exec`;
// unix sockets (the Docker socket) still work because the filesystem is shared.
// Needs root (CAP_NET_ADMIN); `destroy()` always removes the namespace and the veth.

import { execFileSync } from 'node:child_process';

export interface NetNsOptions {
  /** Namespace name; also the stem of the interface names (keep it <= 10 characters). */
  name: string;
  /** Host-side address (default 10.231.0.1). */
  hostAddr?: string;
  /** Namespace-side address (default 10.231.0.2). */
  nsAddr?: string;
  /** Prefix length of both addresses (default 30). */
  prefix?: number;
}

export class NetNsError extends Error {
  override name = 'NetNsError';
}

function ip(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new NetNsError(`ip ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
  }
}

const tryIp = (args: string[]) => {
  try {
    ip(args);
  } catch {
    // absent already
  }
};

const live = new Set<NetNs>();
// A namespace must not outlive the test file, even when it ends early.
process.on('exit', () => {
  for (const n of live) n.destroy();
});

export class NetNs {
  readonly hostIf: string;
  readonly nsIf: string;
  readonly hostAddr: string;
  readonly nsAddr: string;
  readonly prefix: number;

  private constructor(
    readonly name: string,
    opts: NetNsOptions,
  ) {
    if (!/^[a-z0-9-]{1,10}$/.test(name)) throw new NetNsError(`bad netns name "${name}" (a-z0-9-, <= 10)`);
    this.hostIf = `${name}-h`;
    this.nsIf = `${name}-n`;
    this.hostAddr = opts.hostAddr ?? '10.231.0.1';
    this.nsAddr = opts.nsAddr ?? '10.231.0.2';
    this.prefix = opts.prefix ?? 30;
  }

  /** Creates the namespace and the veth pair (removing leftovers of an earlier run first). */
  static create(opts: NetNsOptions): NetNs {
    const n = new NetNs(opts.name, opts);
    n.destroy();
    live.add(n);
    try {
      ip(['netns', 'add', n.name]);
      ip(['link', 'add', n.hostIf, 'type', 'veth', 'peer', 'name', n.nsIf]);
      ip(['link', 'set', n.nsIf, 'netns', n.name]);
      ip(['addr', 'add', `${n.hostAddr}/${n.prefix}`, 'dev', n.hostIf]);
      ip(['link', 'set', n.hostIf, 'up']);
      ip(['-n', n.name, 'addr', 'add', `${n.nsAddr}/${n.prefix}`, 'dev', n.nsIf]);
      ip(['-n', n.name, 'link', 'set', n.nsIf, 'up']);
      ip(['-n', n.name, 'link', 'set', 'lo', 'up']);
    } catch (e) {
      n.destroy();
      throw e;
    }
    return n;
  }

  /** `ip netns exec NAME cmd args...` as argv (for spawn). */
  exec(cmd: string, args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.name, cmd, ...args]];
  }

  /** Partition: the host end goes down, packets to and from the namespace are dropped. */
  down(): void {
    ip(['link', 'set', this.hostIf, 'down']);
  }

  /** Heal. */
  up(): void {
    ip(['link', 'set', this.hostIf, 'up']);
  }

  /** Removes the veth (both ends) and the namespace; safe to call twice. */
  destroy(): void {
    tryIp(['link', 'del', this.hostIf]);
    tryIp(['netns', 'del', this.name]);
    live.delete(this);
  }
}
