// The node's desired pod set as last received from the hub, kept in memory to drop older
// revisions (QoS 1 may redeliver; a retained message may be older than a live one). The one
// on-disk copy is the pod manager's cache (pods-cache.json, 0600: it holds Secrets).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DesiredState } from '../shared/protocol/messages.js';

/** Where earlier agents kept a second copy of the desired state; removed at start. */
export const LEGACY_DESIRED_FILE = 'desired.json';

export class DesiredStore {
  private state?: DesiredState;

  /** Without a dataDir (simulated nodes) there is no legacy file to remove. */
  constructor(private readonly dataDir?: string) {}

  get current(): DesiredState | undefined {
    return this.state;
  }

  /** Deletes the legacy desired.json (it duplicated the pod cache, Secrets included). */
  removeLegacyFile(): void {
    if (this.dataDir === undefined) return;
    rmSync(join(this.dataDir, LEGACY_DESIRED_FILE), { force: true });
  }

  /** A reset hub counts revisions from scratch: accept whatever it sends next. */
  forgetRevision(): void {
    this.state = undefined;
  }

  /** Keeps s unless it is older than what we have. Returns whether it was taken. */
  accept(s: DesiredState): boolean {
    if (this.state && s.revision < this.state.revision) return false;
    this.state = s;
    return true;
  }
}
