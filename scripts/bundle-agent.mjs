#!/usr/bin/env node
// Bundles the agent (agent/main.ts and everything it imports, node_modules included) into one
// file, dist/agent-bundle/drover-agent.cjs, for boards: no node_modules to ship, and Node reads
// and compiles one file instead of a few hundred modules at start (measured by
// bench/agent-footprint.ts). Run: node scripts/bundle-agent.mjs [--no-minify] [--outfile F]
//
// dockerode brings ssh2 (native addons; docker over ssh://), gRPC + protobufjs (BuildKit
// builds) and tar; mqtt.js brings WebSocket, SOCKS and web-worker timers: the agent uses none of
// them, so they are replaced by stubs that throw if called. --version V builds an agent that
// reports V (DROVER_VERSION), as an agent rollout's new version (hub/controllers/rollout/targets/agent.ts). The bundle has no native addons and
// loads none of it at start (both packages require them eagerly).
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const outIdx = argv.indexOf('--outfile');
const outfile = outIdx >= 0 ? argv[outIdx + 1] : join(root, 'dist/agent-bundle/drover-agent.cjs');
// Minified by default: ~2.5 MB less RSS at start (less source for V8 to hold); the source map
// beside it serves `node --enable-source-maps` when a stack trace must be read.
const minify = !argv.includes('--no-minify');
const verIdx = argv.indexOf('--version');
const version = verIdx >= 0 ? argv[verIdx + 1] : undefined;

/**
 * Node flags the shipped agent runs with, in the bundle's first line (`#!/usr/bin/env -S node
 * FLAGS`, so `./drover-agent.cjs --hub ...` runs it so); the footprint benchmark reads them from
 * there. A board's agent holds a few MB of live objects: a 32 MB old space and 1 MB semi-spaces
 * bound the heap's reservations, and --lite-mode leaves out V8's optimizing compiler (less code
 * and compiler memory; an agent that wakes every few seconds never gets hot enough to gain);
 * no WebAssembly (nothing in the agent uses it, and lite mode would warn about it); V8 tuned for
 * size and one V8 worker thread (fewer thread stacks and malloc arenas); bytecode dropped at every
 * full GC unless running (--stress-flush-code: V8's bytecode flushing without waiting for a
 * function to age; what runs again is compiled again from the source V8 keeps anyway): 0.6-0.8 MB
 * less RSS in two side-by-side runs, CPU in bench/agent-footprint.ts. It is a V8 testing flag; the
 * documented --bytecode-old-age=1 is missing from Node 18's V8, and an unknown flag here stops
 * `node` (docs/architecture.md, shipped agent).
 */
export const AGENT_NODE_FLAGS = [
  '--max-old-space-size=32',
  '--max-semi-space-size=1',
  '--lite-mode',
  '--no-expose-wasm',
  '--optimize-for-size',
  '--v8-pool-size=1',
  '--stress-flush-code',
];
/** libuv's threadpool (fs, dns.lookup): 2 threads instead of 4, set before the first use unless given. */
const THREADPOOL = "process.env.UV_THREADPOOL_SIZE ??= '2';";

/**
 * The bundle's body is a function of (require, module, __droverUrl), called at once when Node
 * loads the file as CommonJS (.cjs: `module.exports.runAgent` for `drover agent`), or, as an ES
 * module (.mjs), after `node:module` gives it a require: no `import`/`export` syntax, so both
 * parse it. __droverUrl is the main module's URL when this file is the main module.
 */
const POLYGLOT = [
  "const __droverBody = function (require, module, __droverUrl) { 'use strict'; const exports = module.exports;",
  `};
if (typeof module === 'object' && typeof require === 'function') {
  const url = require.main === module ? require('node:url').pathToFileURL(process.argv[1]).href : 'drover:imported';
  __droverBody(require, module, url);
} else {
  import('node:module').then(({ createRequire }) => {
    const req = createRequire(process.argv[1]);
    __droverBody(req, { exports: {} }, req('node:url').pathToFileURL(process.argv[1]).href);
  });
}`,
];

/** Modules the agent never runs, replaced by stubs: [importer pattern, specifier pattern, CommonJS source]. */
const STUBS = [
  // docker over ssh:// (ssh2 + native cpu-features): the agent talks to a unix socket.
  [
    /./,
    /^ssh2$/,
    "class Client { constructor() { throw new Error('drover agent bundle: docker over ssh:// is not included'); } }\nmodule.exports = { Client };",
  ],
  // MQTT over WebSocket and through SOCKS proxies: the agent speaks mqtt:// and mqtts:// only.
  // mqtt's WebSocket transport (and the ws package) and its mini-program ones (wx, ali).
  [
    /mqtt[\\/]build[\\/]lib[\\/]connect[\\/]index\.js$/,
    /^\.\/(ws|wx|ali)$/,
    "function no() { throw new Error('drover agent bundle: MQTT over WebSocket is not included'); }\nmodule.exports = { __esModule: true, default: no, streamBuilder: no, browserStreamBuilder: no };",
  ],
  // mqtt's own SOCKS wrapper, not only the socks package: it loads node:dns and node:assert at
  // connect time (dns, c-ares, assert and its colours: ~0.3 MB of RSS on Node 18).
  [
    /mqtt[\\/]build[\\/]lib[\\/]connect[\\/](tcp|tls)\.js$/,
    /^\.\/socks$/,
    "module.exports = { __esModule: true, default() { throw new Error('drover agent bundle: SOCKS proxies are not included'); } };",
  ],
  // Browser timers in web workers; Node uses its own timers.
  [
    /mqtt[\\/]/,
    /^worker-timers$/,
    'module.exports = { setInterval: (f, t) => setInterval(f, t), clearInterval: (i) => clearInterval(i) };',
  ],
  // Tar archives (image builds, copying files into containers): the agent does neither.
  [
    /dockerode[\\/]/,
    /^tar-fs$/,
    "module.exports = { pack() { throw new Error('drover agent bundle: tar archives are not included'); }, extract() { throw new Error('drover agent bundle: tar archives are not included'); } };",
  ],
  // BuildKit image builds (@grpc/grpc-js, proto-loader, protobufjs): the agent never builds images.
  [
    /dockerode[\\/]lib[\\/]docker\.js$/,
    /^\.\/(session|buildkit)$/,
    "module.exports = function () { throw new Error('drover agent bundle: BuildKit builds are not included'); };",
  ],
  // Swarm, plugin, volume and network objects (docker.getService() and the like): the agent
  // handles containers, images and exec only.
  [
    /dockerode[\\/]lib[\\/]docker\.js$/,
    /^\.\/(volume|network|service|plugin|secret|config|task|node)$/,
    "module.exports = function () { throw new Error('drover agent bundle: swarm, plugin, volume and network objects are not included'); };",
  ],
  // .dockerignore rules for build contexts: the agent never builds images.
  [
    /dockerode[\\/]lib[\\/]util\.js$/,
    /^@balena[\\/]dockerignore$/,
    "module.exports = function () { throw new Error('drover agent bundle: build contexts are not included'); };",
  ],
  // readable-stream (v4 for mqtt.js and bl, v3 for docker-modem): userland copies of Node's own
  // streams. Node 18+'s node:stream is what v4 was cut from and has every export both versions
  // have; two extra stream stacks cost ~1.2 MB of RSS at start (bench/agent-footprint.ts).
  [/./, /^readable-stream$/, "module.exports = require('node:stream');"],
  // zlib gzips image build contexts only (dockerode/lib/util.js): ~0.2 MB of RSS to load.
  [
    /dockerode[\\/]lib[\\/]util\.js$/,
    /^zlib$/,
    "module.exports = { createGzip() { throw new Error('drover agent bundle: gzip build contexts are not included'); } };",
  ],
  // lru-cache backs MQTT 5 topic aliases (mqtt's topic-alias-send); the agent speaks 3.1.1.
  [
    /mqtt[\\/]build[\\/]lib[\\/]topic-alias-send\.js$/,
    /^lru-cache$/,
    "module.exports = { LRUCache: function () { throw new Error('drover agent bundle: MQTT 5 topic aliases are not included'); } };",
  ],
  // debug (mqtt.js, mqtt-packet, docker-modem): loads tty and colour support at start. Kept whole
  // when DEBUG is set (DEBUG=mqttjs*,modem keeps working on a board); a no-op logger otherwise.
  [
    /./,
    /^debug$/,
    "function off() {} off.enabled = false; off.extend = () => off; off.log = off; off.destroy = off;\nmodule.exports = process.env.DEBUG ? require('debug/src/index.js') : Object.assign(() => off, { enable: off, disable: off, enabled: () => false });",
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
      resolveDir: root, // a stub that requires the real module (debug) finds it in node_modules
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
  // CommonJS: a .cjs main is run without Node's ES module loader, which an .mjs main loads
  // (~1.7 MB of RSS at start, bench/agent-footprint.ts). The file is written so that it also runs
  // as an ES module (POLYGLOT below): bundles named .mjs by self-update keep running.
  format: 'cjs',
  minify,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [stubs],
  define: {
    ...(version ? { __DROVER_VERSION__: JSON.stringify(version) } : {}),
    // agent/main.ts runs itself when it is the main module: the wrapper says which URL that is.
    'import.meta.url': '__droverUrl',
  },
  banner: { js: `#!/usr/bin/env -S node ${AGENT_NODE_FLAGS.join(' ')}\n${THREADPOOL}\n${POLYGLOT[0]}` },
  footer: { js: POLYGLOT[1] },
});
chmodSync(outfile, 0o755);
console.log(`${outfile}: ${Math.round(statSync(outfile).size / 1024)} KiB`);
