// The dashboard's static files at /ui (built from ui/ by scripts/build-ui.mjs into dist/ui).
// They hold no data and need no credential, like a login page: every request the page then
// makes goes to the API with the user's bearer token. Only the files present at start are
// served (no path from the URL reaches the filesystem), with a CSP that allows nothing from
// outside the hub.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { PathNotFoundError } from '../errors.js';

export const UI_PREFIX = '/ui';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Everything from the hub itself; inline styles are Preact's style props. */
const CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

export function isUiPath(path: string): boolean {
  return path === UI_PREFIX || path.startsWith(`${UI_PREFIX}/`);
}

export class StaticUi {
  private readonly files = new Map<string, { body: Buffer; type: string }>();

  /** dir: the built dashboard; absent (not built) -> every /ui path answers 404 saying so. */
  constructor(readonly dir: string) {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir)) {
      const type = TYPES[extname(f)];
      if (type) this.files.set(f, { body: readFileSync(join(dir, f)), type });
    }
  }

  /** Serves GET `path` (which isUiPath accepted). */
  serve(path: string, res: ServerResponse): void {
    if (path === UI_PREFIX) {
      res.writeHead(301, { Location: `${UI_PREFIX}/` }).end();
      return;
    }
    const name = path.slice(UI_PREFIX.length + 1) || 'index.html';
    const f = this.files.get(name);
    if (!f) {
      if (this.files.size === 0)
        throw new PathNotFoundError(`${path} (the dashboard is not built: npm run build)`);
      throw new PathNotFoundError(path);
    }
    res
      .writeHead(200, {
        'Content-Type': f.type,
        'Content-Length': f.body.length,
        // index.html names the bundle; the bundle itself changes with every build too (no hash in
        // its name), so both are revalidated.
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': CSP,
        'X-Content-Type-Options': 'nosniff',
      })
      .end(f.body);
  }
}
