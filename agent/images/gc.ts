// The agent's image garbage collector (kubelet's image GC manager, a pass every 5 min as its
// ImageGCPeriod): detect images (first seen, last used by a container), then, when the image
// filesystem is at or above the high threshold, remove unused images LRU-first down to the low
// threshold (gc-plan.ts). A Node event and a log line say what was freed, or why not enough.
// Stopped containers of deleted pods are not this file's: the pod manager removes them as
// ghosts (kubelet's pod workers), also after an agent restart.

import type { Logger } from '../../shared/log.js';
import { diskSpace as measureDisk, type DiskSpace } from '../pressure/disk.js';
import type { ImageStore, StoredContainer } from '../runtime/image-store.js';
import {
  canonicalImageName,
  type FsUsage,
  type ImageGcPolicy,
  type ImageRecord,
  planImageGc,
} from './gc-plan.js';

/** kubelet's ImageGCPeriod, ms. */
export const DEFAULT_IMAGE_GC_PERIOD_MS = 300_000;

export interface Wanted {
  /** Image references desired pods and staged updates need (kept even if no container runs them). */
  images: string[];
}

export interface ImageGcOptions {
  store: ImageStore;
  policy: ImageGcPolicy;
  wanted(): Wanted;
  /** A Node event. */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  log: Logger;
  clock?: () => number;
  diskSpace?: (path: string) => Promise<DiskSpace | undefined>;
}

export interface GcResult {
  usagePercent?: number;
  freedBytes: number;
  removedImages: string[];
}

const MiB = 1024 * 1024;
const mib = (b: number) => `${(b / MiB).toFixed(1)} MiB`;
const label = (i: { names: string[]; id: string }) => i.names[0] ?? i.id.slice(0, 19);

export class ImageGarbageCollector {
  private readonly records = new Map<string, ImageRecord>();
  private timer?: NodeJS.Timeout;
  private pass?: Promise<GcResult>;
  private readonly clock: () => number;

  constructor(private readonly o: ImageGcOptions) {
    this.clock = o.clock ?? Date.now;
  }

  start(periodMs: number): void {
    const tick = () => {
      this.collect().catch((e: Error) =>
        this.o.log.warn('image garbage collection failed', { error: e.message }),
      );
    };
    tick();
    this.timer = setInterval(tick, periodMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass; concurrent callers share the pass in progress. */
  collect(): Promise<GcResult> {
    if (!this.pass)
      this.pass = this.runPass().finally(() => {
        this.pass = undefined;
      });
    return this.pass;
  }

  /**
   * Under DiskPressure the eviction manager reclaims first (kubelet's DeleteUnusedImages:
   * every unused image past the minimum age, whatever the thresholds), before evicting pods.
   */
  deleteUnused(): Promise<GcResult> {
    return this.runPass(true);
  }

  private async runPass(all = false): Promise<GcResult> {
    const containers = await this.o.store.listContainers();
    const wanted = this.o.wanted();
    await this.detectImages(containers);
    const result = await this.freeSpace(containers, wanted.images, all);
    this.o.log.debug('image gc pass', { images: this.records.size, usagePercent: result.usagePercent });
    return result;
  }

  /** kubelet's detectImages: new images get firstDetected, images under a container lastUsed. */
  private async detectImages(containers: StoredContainer[]): Promise<void> {
    const now = this.clock();
    const used = new Set(containers.map((c) => c.imageId));
    const seen = new Set<string>();
    for (const i of await this.o.store.listImages()) {
      seen.add(i.id);
      const r = this.records.get(i.id) ?? { ...i, firstDetected: now, lastUsed: 0 };
      r.names = i.names;
      r.sizeBytes = i.sizeBytes;
      if (used.has(i.id)) r.lastUsed = now;
      this.records.set(i.id, r);
    }
    for (const id of this.records.keys()) if (!seen.has(id)) this.records.delete(id);
  }

  private async freeSpace(
    containers: StoredContainer[],
    wantedImages: string[],
    all: boolean,
  ): Promise<GcResult> {
    const path = await this.o.store.imageFsPath();
    const fs = await this.measure(path);
    if (!fs) return { freedBytes: 0, removedImages: [] };
    const keep = new Set(containers.map((c) => c.imageId));
    const wanted = new Set(wantedImages.map(canonicalImageName));
    for (const r of this.records.values())
      if (r.names.some((n) => wanted.has(canonicalImageName(n)))) keep.add(r.id);
    const policy = all
      ? { ...this.o.policy, highThresholdPercent: 0, lowThresholdPercent: 0 }
      : this.o.policy;
    const plan = planImageGc([...this.records.values()], keep, fs, policy, this.clock());
    if (plan.bytesToFree === 0) return { usagePercent: plan.usagePercent, freedBytes: 0, removedImages: [] };
    const { highThresholdPercent: high, lowThresholdPercent: low } = this.o.policy;
    this.o.log.info('image filesystem above the high threshold', {
      path,
      usagePercent: plan.usagePercent,
      high,
      low,
      toFree: plan.bytesToFree,
    });
    let freed = 0;
    const removed: string[] = [];
    for (const img of plan.remove) {
      try {
        await this.o.store.removeImage(img.id);
        freed += img.sizeBytes;
        removed.push(`${label(img)} (${mib(img.sizeBytes)})`);
        this.records.delete(img.id);
      } catch (e) {
        this.o.log.warn('removing an image failed', { image: label(img), error: (e as Error).message });
      }
    }
    const after = await this.measure(path);
    const now = after
      ? ` now ${100 - Math.floor((after.availableBytes * 100) / after.capacityBytes)}% used`
      : '';
    if (removed.length > 0) {
      const why = all
        ? 'the node has disk pressure'
        : `at or above the ${high}% high threshold;${now} (low threshold ${low}%)`;
      const msg = `Freed ${mib(freed)} by removing unused images ${removed.join(', ')}: the image filesystem (${path}) was ${plan.usagePercent}% used, ${why}`;
      this.o.log.info('image garbage collection freed space', { freed, images: removed.join(', ') });
      this.o.event('Normal', 'FreedDiskSpace', msg);
    }
    if (!all && freed < plan.bytesToFree)
      // kubelet's FreeDiskSpaceFailed wording.
      this.o.event(
        'Warning',
        'FreeDiskSpaceFailed',
        `Failed to garbage collect required amount of images. Attempted to free ${plan.bytesToFree} bytes, but only found ${plan.eligibleBytes} bytes eligible to free.`,
      );
    return { usagePercent: plan.usagePercent, freedBytes: freed, removedImages: removed };
  }

  private async measure(path: string): Promise<FsUsage | undefined> {
    const s = await (this.o.diskSpace ?? measureDisk)(path);
    return s && s.totalBytes > 0
      ? { capacityBytes: s.totalBytes, availableBytes: s.availableBytes }
      : undefined;
  }
}
