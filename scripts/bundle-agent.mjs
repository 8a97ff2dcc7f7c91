#!/usr/bin/env node
// Bundles the agent (agent/main.ts and everything it imports, node_modules included) into one
// file, dist/agent-bundle/drover-agent.mjs, for boards: no node_modules to ship, and Node reads
// and compiles one file instead of a few hundred modules at start (measured by
// bench/agent-footprint.ts). Run: node scripts/bundle-agent.mjs [--no-minify] [--outfile F]
//
// dockerode brings ssh2 (native addons; docker over ssh://) and gRPC + protobufjs (BuildKit
// builds), which the agent never uses: they are replaced by stubs that throw if called, so the
// bundle has no native addons and does not load gRPC at start (dockerode requires it eagerly).
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const outIdx = argv.indexOf('--outfile');
const outfile = outIdx >= 0 ? argv[outIdx + 1] : join(root, 'dist/agent-bundle/drover-agent.mjs');
// Minified by default: ~2.5 MB less RSS at start (less source for V8 to hold); the source map
// beside it serves `node --enable-source-maps` when a stack trace must be read.
const minify = !argv.includes('--no-minify');

/** Modules the agent never runs, replaced by stubs: [importer pattern, specifier pattern, CommonJS source]. */
const STUBS = [
  // docker over ssh:// (ssh2 + native cpu-features): the agent talks to a unix socket.
  [
    /./,
    /^ssh2$/,
    "class Client { constructor() { throw new Error('drover agent bundle: docker over ssh:// is not included'); } }\nmodule.exports = { Client };",
  ],
  // BuildKit image builds (@grpc/grpc-js, proto-loader, protobufjs): the agent never builds images.
  [
    /dockerode[\\/]lib[\\/]docker\.js$/,
    /^\.\/(session|buildkit)$/,
    "module.exports = function () { throw new Error('drover agent bundle: BuildKit builds are not included'); };",
  ],
];

const stubs = {
  name: 'drover-stubs',
  setup(b) {
    STUBS.forEach(([importer, spec], i) => {
      b.onResolve({ filter: spec }, (a) =>
        importer.test(a.importer) ? { path: `${a.path}#${i}`, namespace: 'drover-stub' } : undefined,
      );
    });
    b.onLoad({ filter: /.*/, namespace: 'drover-stub' }, (a) => ({
      contents: STUBS[Number(a.path.split('#')[1])][2],
      loader: 'js',
    }));
  },
};

mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [join(root, 'agent/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'esm',
  minify,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [stubs],
  // CommonJS dependencies (mqtt's, dockerode's) call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __droverCreateRequire } from 'node:module';\nconst require = __droverCreateRequire(import.meta.url);",
  },
});
console.log(`${outfile}: ${Math.round(statSync(outfile).size / 1024)} KiB`);
