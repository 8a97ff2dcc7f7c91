// Agent bundles shared by the hubs of one NATS cluster (issue #10 over #8's several hubs). A
// board is ordered and served by whichever hub holds its MQTT connection, so every hub must know
// a version's SHA-256 (to sign the order) and be able to send its bytes, whichever hub's data
// directory the operator put the bundle in. The bundles live in a JetStream object store bucket,
// drover-agent-bundles, on the store's NATS cluster (replicated as the store is): a bundle in a
// hub's <data dir>/agent-bundles/ goes into the bucket within SCAN_INTERVAL_MS of the hub's
// start or of being copied there, or at once when the hub is asked for its version (its gateway
// syncs every Node, so an order on any board is enough), and every hub learns of it from the
// bucket's watch; its gateway then publishes the orders it held back. Put in the bucket, a
// bundle outlives the hub it was copied to.
// The bucket's copy is the cluster's: a hub whose own file of that version differs signs and
// serves the bucket's, so every hub orders the same SHA-256 for a version and a board that
// fails over to another hub is not told a second bundle of the same version.

import { createHash } from 'node:crypto';
import type { NatsConnection, ObjectInfo, ObjectStore } from 'nats';
import type { Logger } from '../../shared/log.js';
import {
  type AgentBundle,
  AgentBundles,
  type AgentBundleSource,
  BundleNotFoundError,
} from './agent-bundles.js';

export const AGENT_BUNDLE_BUCKET = 'drover-agent-bundles';

/** How often a hub looks in its own directory for bundles the bucket does not have, ms. */
export const SCAN_INTERVAL_MS = 10_000;

/** How the object store writes an object's digest: this prefix, then base64url of the SHA-256. */
const DIGEST_PREFIX = 'SHA-256=';

/** The hex SHA-256 of an object's digest, or undefined for another kind of digest. */
export function digestSha256(digest: string): string | undefined {
  if (!digest.startsWith(DIGEST_PREFIX)) return undefined;
  const sum = Buffer.from(digest.slice(DIGEST_PREFIX.length), 'base64url');
  return sum.length === 32 ? sum.toString('hex') : undefined;
}

export class ClusterAgentBundles implements AgentBundleSource {
  /** version -> SHA-256 (hex) of the bucket's bundle, as the bucket's watch last said. */
  private readonly shared = new Map<string, string>();
  /** version -> SHA-256 of this hub's bundle being put in the bucket, or put and not yet seen in the watch. */
  private readonly uploads = new Map<string, string>();
  /**
   * Bytes read from the bucket, by version/SHA-256: a wave's boards all ask for one version at
   * once, and one read serves them (at most CACHED entries: the new version and the old one).
   */
  private readonly cache = new Map<string, Promise<AgentBundle>>();
  private static readonly CACHED = 2;
  /** version/local/shared already warned about (a local file that is not the cluster's). */
  private readonly warned = new Set<string>();

  private constructor(
    private readonly bucket: ObjectStore,
    private readonly local: AgentBundles,
    private readonly log: Logger,
  ) {}

  static async open(
    nc: NatsConnection,
    dir: string,
    replicas: number,
    log: Logger,
  ): Promise<ClusterAgentBundles> {
    const bucket = await nc.jetstream().views.os(AGENT_BUNDLE_BUCKET, { replicas });
    return new ClusterAgentBundles(bucket, new AgentBundles(dir), log);
  }

  sha256(version: string): string | undefined {
    const local = this.local.sha256(version);
    const shared = this.shared.get(version);
    if (local && shared === undefined && this.uploads.get(version) !== local) this.upload(version, local);
    if (
      local &&
      shared !== undefined &&
      local !== shared &&
      !this.warned.has(`${version}/${local}/${shared}`)
    ) {
      this.warned.add(`${version}/${local}/${shared}`);
      this.log.warn(
        "this hub's agent bundle differs from the cluster's of the same version: the cluster's is ordered",
        {
          version,
          local,
          cluster: shared,
        },
      );
    }
    // Until its upload shows in the watch, this hub's own file is the bundle (the same bytes).
    return shared ?? local;
  }

  async read(version: string): Promise<AgentBundle> {
    const shared = this.shared.get(version);
    if (shared === undefined || this.local.sha256(version) === shared) return this.local.read(version);
    const key = `${version}/${shared}`;
    let b = this.cache.get(key);
    if (!b) {
      b = this.fetch(version);
      this.cache.set(key, b);
      b.catch(() => this.cache.delete(key));
      for (const k of this.cache.keys())
        if (this.cache.size > ClusterAgentBundles.CACHED) this.cache.delete(k);
    }
    return b;
  }

  async watch(onChange: (version: string) => void): Promise<() => void> {
    const it = await this.bucket.watch({ includeHistory: true });
    let current!: () => void;
    const known = new Promise<void>((resolve) => {
      current = resolve;
    });
    void (async () => {
      try {
        for await (const info of it) {
          // null: the bucket's current objects have all been seen
          if (info === null) current();
          else this.seen(info, onChange);
        }
      } catch (e) {
        this.log.warn('agent bundle bucket watch ended', { error: e as Error });
      }
      current();
    })();
    await known;
    const scan = () => {
      for (const v of this.local.versions()) this.sha256(v);
    };
    scan();
    const timer = setInterval(scan, SCAN_INTERVAL_MS);
    timer.unref();
    return () => {
      clearInterval(timer);
      it.stop();
    };
  }

  private seen(info: ObjectInfo, onChange: (version: string) => void): void {
    const sum = info.deleted ? undefined : digestSha256(info.digest);
    this.uploads.delete(info.name);
    if (sum === this.shared.get(info.name)) return;
    if (sum) this.shared.set(info.name, sum);
    else this.shared.delete(info.name);
    onChange(info.name);
  }

  private async fetch(version: string): Promise<AgentBundle> {
    const data = await this.bucket.getBlob(version);
    if (!data) throw new BundleNotFoundError(`no agent bundle ${version} in bucket ${AGENT_BUNDLE_BUCKET}`);
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return { version, sha256: createHash('sha256').update(buf).digest('hex'), data: buf };
  }

  /** Puts this hub's bundle in the bucket, once per version and SHA-256; the watch tells every hub. */
  private upload(version: string, sha256: string): void {
    this.uploads.set(version, sha256);
    void (async () => {
      try {
        const b = this.local.read(version);
        await this.bucket.putBlob({ name: version, description: `drover agent ${version}` }, b.data);
        this.log.info('agent bundle put in the cluster bucket', {
          version,
          sha256: b.sha256,
          bytes: b.data.length,
        });
      } catch (e) {
        // asked again by the next sync of a board ordered this version
        this.uploads.delete(version);
        this.log.warn('agent bundle not put in the cluster bucket', { version, error: e as Error });
      }
    })();
  }
}
