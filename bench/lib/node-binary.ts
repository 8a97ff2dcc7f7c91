// Other Node versions for the agent benchmarks: the agent must run on Node 18 (Debian bookworm's
// boards), and nodejs.org is not reachable here, so a Node 18 binary comes from the npm
// registry's `node-<os>-<arch>` package (`npm pack`, the ordinary client), unpacked once under
// .drover/node-<version>/ (gitignored) and reused.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './report.js';

/** `current` (the running node) or a major version such as `18`. */
export type NodeChoice = string;

export class NodeBinaryError extends Error {
  override name = 'NodeBinaryError';
}

/** The node binary for a choice; packs and unpacks `node-<os>-<arch>@<major>` the first time. */
export function nodeBinary(choice: NodeChoice): string {
  if (choice === 'current' || choice === process.versions.node.split('.')[0]) return process.execPath;
  if (!/^\d+$/.test(choice)) throw new NodeBinaryError(`node version must be a major number, not ${choice}`);
  const dir = join(REPO_ROOT, '.drover', `node-${choice}`);
  const bin = join(dir, 'package', 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const pkg = `node-${process.platform}-${process.arch}@${choice}`;
  try {
    execFileSync('npm', ['pack', pkg, '--pack-destination', dir, '--silent'], { stdio: 'pipe' });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new NodeBinaryError(`npm pack ${pkg} wrote no tarball`);
    execFileSync('tar', ['xzf', join(dir, tgz), '-C', dir], { stdio: 'pipe' });
  } catch (e) {
    throw new NodeBinaryError(
      `cannot get Node ${choice} (${pkg}) from the npm registry: ${(e as Error).message}`,
    );
  }
  if (!existsSync(bin)) throw new NodeBinaryError(`${pkg} holds no bin/node`);
  return bin;
}

/** `v18.20.8` for a node binary. */
export function nodeVersion(bin: string): string {
  return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
}
