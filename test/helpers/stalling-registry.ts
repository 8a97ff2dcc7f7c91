// A registry in front of the local one (127.0.0.1:5000) whose manifest requests a test can
// hold (a pull that stalls until released) or refuse (a pull that fails with the registry's
// message). Pulled as 127.0.0.1:<port>/<repo>:<tag>: Docker treats 127.0.0.0/8 as an
// insecure registry, and the port is new each run, so the engine never has that name yet.

import http from 'node:http';

export type ManifestMode = 'pass' | 'hold' | 'fail';

export class StallingRegistry {
  mode: ManifestMode = 'pass';
  /** Manifest requests seen (held ones too). */
  manifestRequests = 0;
  private readonly held: (() => void)[] = [];
  private readonly server: http.Server;
  port = 0;

  private constructor(private readonly upstream: { host: string; port: number }) {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  static async start(upstream = { host: '127.0.0.1', port: 5000 }): Promise<StallingRegistry> {
    const r = new StallingRegistry(upstream);
    await new Promise<void>((resolve, reject) => {
      r.server.once('error', reject);
      r.server.listen(0, '127.0.0.1', () => resolve());
    });
    const a = r.server.address();
    r.port = typeof a === 'object' && a ? a.port : 0;
    return r;
  }

  /** The name of an image of the local registry as pulled through this one. */
  image(repoAndTag: string): string {
    return `127.0.0.1:${this.port}/${repoAndTag}`;
  }

  /** Lets every held request through (and later ones: mode becomes pass). */
  release(): void {
    this.mode = 'pass';
    for (const go of this.held.splice(0)) go();
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!/\/manifests\//.test(req.url ?? '')) {
      this.forward(req, res);
      return;
    }
    this.manifestRequests++;
    if (this.mode === 'fail') {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'registry under maintenance' }] }));
      return;
    }
    if (this.mode === 'hold') this.held.push(() => this.forward(req, res));
    else this.forward(req, res);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const up = http.request(
      { ...this.upstream, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (e) => {
      res.writeHead(502);
      res.end(e.message);
    });
    req.pipe(up);
  }
}
