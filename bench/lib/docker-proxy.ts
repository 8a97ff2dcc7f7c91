// A counting proxy in front of the Docker socket for the agent benchmarks: agents started with
// `--docker-socket <proxy>` talk to the real engine through it, and it records every Engine API
// request (method, path kind) with the time to its first response byte. That is how the
// benchmark counts Docker calls per pod and tells the engine's time from the agent's.
// HTTP/1.1 without pipelining: on one connection a request's answer comes before the next request.

import { rmSync } from 'node:fs';
import net from 'node:net';

/** A request line anywhere in a chunk (a chunk may carry the end of the previous body first). */
const REQUEST_LINE = /(?:^|\n)(GET|POST|DELETE|PUT|HEAD) (\/[^ ?]*)\S* HTTP\/1\.[01]\r\n/g;

export interface DockerCall {
  /** `POST create`, `POST start`, `GET inspect`, `GET list`, `GET events`, ... */
  kind: string;
  at: number;
  /** ms to the first response byte; undefined for a stream still open or never answered. */
  ms?: number;
}

/** `/v1.41/containers/abc/start` -> `start`; `/containers/json` -> `list`; `/images/x/json` -> `image inspect`. */
export function callKind(method: string, path: string): string {
  const p = path.replace(/^\/v[\d.]+/, '');
  let what: string;
  if (p === '/containers/json') what = 'list';
  else if (p === '/containers/create') what = 'create';
  else if (/^\/containers\/[^/]+\/json$/.test(p)) what = 'inspect';
  else if (/^\/containers\/[^/]+\/[a-z]+$/.test(p)) what = p.split('/')[3];
  else if (/^\/containers\/[^/]+$/.test(p)) what = 'remove';
  else if (/^\/images\/.+\/json$/.test(p)) what = 'image inspect';
  else if (p === '/images/json') what = 'image list';
  else if (/^\/exec\//.test(p)) what = 'exec';
  else what = p.split('/')[1] ?? p;
  return `${method} ${what}`;
}

export class DockerProxy {
  readonly calls: DockerCall[] = [];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly path: string,
    private readonly target = '/var/run/docker.sock',
  ) {
    rmSync(path, { force: true });
    this.server = net.createServer((client) => this.onClient(client));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => resolve());
    });
  }

  private onClient(client: net.Socket): void {
    const upstream = net.connect(this.target);
    this.sockets.add(client).add(upstream);
    let pending: DockerCall | undefined;
    client.on('data', (d: Buffer) => {
      for (const m of d.toString('latin1').matchAll(REQUEST_LINE)) {
        pending = { kind: callKind(m[1], m[2]), at: Date.now() };
        this.calls.push(pending);
      }
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (pending && pending.ms === undefined) pending.ms = Date.now() - pending.at;
      pending = undefined;
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }

  /** Calls per kind since `since` (ms), events streams excluded. */
  countsSince(since: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const c of this.calls) if (c.at >= since) out.set(c.kind, (out.get(c.kind) ?? 0) + 1);
    return out;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
