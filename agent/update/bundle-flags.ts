// The node flags a bundle ships with, from its first line (`#!/usr/bin/env -S node FLAGS`,
// scripts/bundle-agent.mjs): the launcher starts each bundle with them, as a board's unit that
// runs the bundle directly gets them from the kernel, and the footprint benchmark reads them.
// A file without such a line (the tsc build's agent/main.js) has none.

import { closeSync, openSync, readSync } from 'node:fs';

/** Bytes read for the first line; the shipped flags take ~130. */
const FIRST_LINE_MAX_BYTES = 1024;

export function bundleNodeFlags(path: string): string[] {
  const buf = Buffer.alloc(FIRST_LINE_MAX_BYTES);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  return nodeFlagsOfShebang(buf.toString('utf8', 0, n).split('\n', 1)[0] ?? '');
}

/** `#!/usr/bin/env -S node --a --b=1` -> ['--a', '--b=1']; any other line -> []. */
export function nodeFlagsOfShebang(line: string): string[] {
  const m = /^#!\S*env -S node((?:\s+--\S+)*)\s*$/.exec(line);
  return m ? m[1].split(/\s+/).filter(Boolean) : [];
}
