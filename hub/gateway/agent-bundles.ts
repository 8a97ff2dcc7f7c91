// The agent bundles the hub serves for self-update (issue #10): one file per version,
// <dir>/<version>.mjs (the operator copies a built bundle there, `node scripts/bundle-agent.mjs
// --version V --outfile <dir>/V.mjs`). Read on request, its SHA-256 kept while the file's size
// and mtime stay; a version name is one safe path segment, never a path.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

export class BundleNotFoundError extends Error {
  override name = 'BundleNotFoundError';
}

export interface AgentBundle {
  version: string;
  sha256: string;
  data: Buffer;
}

/**
 * Where a hub's gateway finds the bundles it orders and serves: this directory on one hub, the
 * cluster's bucket with several (cluster-agent-bundles.ts).
 */
export interface AgentBundleSource {
  /** The bundle's SHA-256 (hex), or undefined when the hub has no bundle of that version. */
  sha256(version: string): string | undefined;
  /** The bundle's bytes; BundleNotFoundError when there is none. */
  read(version: string): AgentBundle | Promise<AgentBundle>;
  /**
   * Calls onChange with each version whose bundle appeared, changed or went elsewhere (another
   * hub), so orders held back for want of it go out; resolves once the current ones are known,
   * to a stop function. Absent: nothing changes but this hub's own files.
   */
  watch?(onChange: (version: string) => void): Promise<() => void>;
}

export class AgentBundles implements AgentBundleSource {
  private readonly sums = new Map<string, { stamp: string; sha256: string }>();

  constructor(private readonly dir: string) {}

  private file(version: string): string {
    if (!VERSION.test(version))
      throw new BundleNotFoundError(`invalid agent version ${JSON.stringify(version)}`);
    return join(this.dir, `${version}.mjs`);
  }

  private stamp(version: string): string | undefined {
    try {
      const st = statSync(this.file(version));
      return `${st.size}/${st.mtimeMs}`;
    } catch {
      return undefined;
    }
  }

  /** The versions the directory holds a bundle of (none when it does not exist). */
  versions(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.mjs'))
      .map((n) => n.slice(0, -'.mjs'.length))
      .filter((v) => VERSION.test(v));
  }

  /** The bundle's SHA-256 (hex), or undefined when the hub has no bundle of that version. */
  sha256(version: string): string | undefined {
    const stamp = this.stamp(version);
    if (!stamp) return undefined;
    const have = this.sums.get(version);
    if (have?.stamp === stamp) return have.sha256;
    return this.read(version).sha256;
  }

  read(version: string): AgentBundle {
    let data: Buffer;
    try {
      data = readFileSync(this.file(version));
    } catch {
      throw new BundleNotFoundError(`no agent bundle ${version} in ${this.dir}`);
    }
    const sha256 = createHash('sha256').update(data).digest('hex');
    const stamp = this.stamp(version);
    if (stamp) this.sums.set(version, { stamp, sha256 });
    return { version, sha256, data };
  }
}
