// The board's agent bundles and update state, under <data dir>/update/ (the agent's
// StateDirectory under systemd, so writable under ProtectSystem=strict):
//   bundles/<version>.mjs   each downloaded bundle (checksum verified before it lands here)
//   state.json              which bundle runs, which ran before, the one on trial and its
//                           starts, and versions that failed on this board
// Both are written through a temp file, fsync and rename(2), so a power cut leaves the old
// file or the new one, never half of either (the swap is the state file's rename).

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../write-atomic.js';

export interface UpdateState {
  /** The version whose bundle runs (none: the shipped bundle). */
  current?: string;
  /** The version to go back to when the current one fails its trial (none: the shipped bundle). */
  previous?: string;
  /** The current version is on trial: how many times it was started without confirming. */
  trial?: { version: string; starts: number };
  /** Versions that failed their trial here: never taken again from an order. */
  failed?: string[];
}

export const updateDir = (dataDir: string) => join(dataDir, 'update');
export const bundlePath = (dataDir: string, version: string) =>
  join(updateDir(dataDir), 'bundles', `${version}.mjs`);
const statePath = (dataDir: string) => join(updateDir(dataDir), 'state.json');

export function readState(dataDir: string): UpdateState {
  try {
    return JSON.parse(readFileSync(statePath(dataDir), 'utf8')) as UpdateState;
  } catch {
    return {};
  }
}

export function writeState(dataDir: string, s: UpdateState): void {
  mkdirSync(join(updateDir(dataDir), 'bundles'), { recursive: true });
  writeAtomic(statePath(dataDir), `${JSON.stringify(s)}\n`);
}
