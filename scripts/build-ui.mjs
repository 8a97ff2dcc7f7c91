#!/usr/bin/env node
// Builds the dashboard (ui/) into static files the hub serves at /ui: one bundled, minified
// app.js (Preact included: no CDN), app.css and index.html in dist/ui/.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist/ui');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'ui/src/main.tsx')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  sourcemap: true,
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
for (const f of ['index.html', 'app.css']) copyFileSync(join(root, 'ui', f), join(out, f));
