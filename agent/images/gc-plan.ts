// Which images to remove, as the kubelet's realImageGCManager decides (pkg/kubelet/images/
// image_gc_manager.go): nothing below the high threshold (percent of the image filesystem in
// use); above it, free `capacity * (100 - low) / 100 - available` bytes by removing images that
// no container uses, that no desired pod or staged update needs, and that were first seen at
// least the minimum age ago, least recently used first (never used counts as oldest, then
// first detected). Pure.

export interface ImageGcPolicy {
  /** Percent of the image filesystem in use at or above which GC runs (kubelet: 85). */
  highThresholdPercent: number;
  /** Percent GC frees down to (kubelet: 80). */
  lowThresholdPercent: number;
  /** Images first seen less than this long ago are kept, ms (kubelet: 2 min). */
  minAgeMs: number;
}

export const DEFAULT_IMAGE_GC_POLICY: ImageGcPolicy = {
  highThresholdPercent: 85,
  lowThresholdPercent: 80,
  minAgeMs: 120_000,
};

export interface ImageRecord {
  id: string;
  names: string[];
  sizeBytes: number;
  /** ms since epoch the agent first saw it. */
  firstDetected: number;
  /** ms since epoch a container last used it; 0 never. */
  lastUsed: number;
}

export interface FsUsage {
  capacityBytes: number;
  availableBytes: number;
}

export interface GcPlan {
  /** 100 - available*100/capacity, rounded down as the kubelet's integer arithmetic. */
  usagePercent: number;
  /** 0 when below the high threshold. */
  bytesToFree: number;
  /** In removal order: as many as needed to free bytesToFree (all eligible if not enough). */
  remove: ImageRecord[];
  /** Bytes the eligible images hold in total. */
  eligibleBytes: number;
}

export function usagePercent(fs: FsUsage): number {
  return 100 - Math.floor((fs.availableBytes * 100) / fs.capacityBytes);
}

export function planImageGc(
  images: ImageRecord[],
  keep: Set<string>,
  fs: FsUsage,
  policy: ImageGcPolicy,
  now: number,
): GcPlan {
  const usage = usagePercent(fs);
  if (usage < policy.highThresholdPercent)
    return { usagePercent: usage, bytesToFree: 0, remove: [], eligibleBytes: 0 };
  const bytesToFree = Math.max(
    0,
    Math.floor((fs.capacityBytes * (100 - policy.lowThresholdPercent)) / 100) - fs.availableBytes,
  );
  const eligible = images
    .filter((i) => !keep.has(i.id) && now - i.firstDetected >= policy.minAgeMs)
    .sort((a, b) => a.lastUsed - b.lastUsed || a.firstDetected - b.firstDetected || a.id.localeCompare(b.id));
  const remove: ImageRecord[] = [];
  let freed = 0;
  for (const i of eligible) {
    if (freed >= bytesToFree) break;
    remove.push(i);
    freed += i.sizeBytes;
  }
  return {
    usagePercent: usage,
    bytesToFree,
    remove,
    eligibleBytes: eligible.reduce((s, i) => s + i.sizeBytes, 0),
  };
}

/** Image reference as Docker lists it: `:latest` added, Docker Hub's prefixes dropped. */
export function canonicalImageName(ref: string): string {
  let r = ref
    .replace(/^docker\.io\/library\//, '')
    .replace(/^docker\.io\//, '')
    .replace(/^library\//, '');
  if (!r.includes('@')) {
    const last = r.slice(r.lastIndexOf('/') + 1);
    if (!last.includes(':')) r = `${r}:latest`;
  }
  return r;
}
