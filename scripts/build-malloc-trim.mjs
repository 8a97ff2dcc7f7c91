#!/usr/bin/env node
// Builds the hub's malloc_trim addon (hub/native/malloc-trim) at `npm ci` / `npm install` (the
// root package's install script). It never fails the install: the hub runs without the addon
// (hub/malloc-trim.ts), so on a machine without Linux + glibc, a C compiler, Python or Node's
// headers this prints one line and exits 0. Quick when the built addon is newer than its
// sources. Uses npm's own node-gyp (npm_config_node_gyp under npm) and npm's config (nodedir).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const dir = new URL('../hub/native/malloc-trim/', import.meta.url).pathname;
const built = join(dir, 'build/Release/malloc_trim.node');
const sources = ['malloc-trim.c', 'binding.gyp'].map((f) => join(dir, f));
/** A build that takes longer than this is given up on, ms. */
const BUILD_TIMEOUT_MS = 180_000;

function without(reason) {
  process.stdout.write(`drover: the hub runs without malloc_trim (${reason})\n`);
  process.exit(0);
}

function upToDate() {
  if (!existsSync(built)) return false;
  const at = statSync(built).mtimeMs;
  return sources.every((s) => statSync(s).mtimeMs <= at);
}

/** npm's node-gyp: the one npm names for its scripts, else the one beside this node's npm. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  return candidates.find((c) => c && existsSync(c));
}

try {
  if (process.platform !== 'linux') without(`no addon on ${process.platform}`);
  const glibc = process.report?.getReport().header.glibcVersionRuntime;
  if (!glibc) without('no glibc');
  if (upToDate()) process.exit(0);
  const gyp = nodeGyp();
  if (!gyp) without('node-gyp not found');
  // Node's own headers when npm names none (npm's nodedir), so node-gyp need not download them.
  const prefix = join(dirname(process.execPath), '..');
  const headers = !process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/node_api.h'));
  const args = [gyp, 'rebuild', '--release', ...(headers ? [`--nodedir=${prefix}`] : [])];
  const r = spawnSync(process.execPath, args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
  });
  if (r.error) without(`node-gyp: ${r.error.message}`);
  if (r.status !== 0) {
    // node-gyp's own summary of what failed, e.g. a missing compiler or header.
    const lines = `${r.stdout}\n${r.stderr}`.split('\n');
    const why = lines.find((l) => /error:/i.test(l)) ?? lines.find((l) => l.startsWith('gyp ERR!'));
    without(`build failed: ${(why ?? `node-gyp exited ${r.status}`).trim().slice(0, 200)}`);
  }
} catch (e) {
  without(e instanceof Error ? e.message : String(e));
}
