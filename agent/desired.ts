// The node's desired pod set as last received from the hub, kept in memory and in
// <dataDir>/desired.json so a later offline start can bring pods back without the hub.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DesiredState, parseDesiredState } from '../shared/protocol/messages.js';

export const DESIRED_FILE = 'desired.json';

export class DesiredStore {
  private state?: DesiredState;

  constructor(private readonly dataDir: string) {}

  get current(): DesiredState | undefined {
    return this.state;
  }

  /** Loads the persisted state; a missing or damaged file means none (the hub resends it). */
  load(): DesiredState | undefined {
    try {
      this.state = parseDesiredState(readFileSync(join(this.dataDir, DESIRED_FILE)));
    } catch {
      this.state = undefined;
    }
    return this.state;
  }

  /** A reset hub counts revisions from scratch: accept whatever it sends next (file kept until then). */
  forgetRevision(): void {
    this.state = undefined;
  }

  /** Keeps s unless it is older than what we have. Returns whether it was taken. */
  accept(s: DesiredState): boolean {
    if (this.state && s.revision < this.state.revision) return false;
    this.state = s;
    mkdirSync(this.dataDir, { recursive: true });
    const path = join(this.dataDir, DESIRED_FILE);
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(s));
    renameSync(tmp, path);
    return true;
  }
}
