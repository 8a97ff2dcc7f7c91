// ImageLocality: prefer nodes that already hold the pod's images (no pull over a slow edge
// link), scaled by the image's size and by how widely it is spread, so the one node holding
// an image does not attract every pod (k8s ImageLocality).

import type { Pod } from '../../../shared/api/types.js';
import { type CycleContext, MAX_NODE_SCORE, type NodeInfo, SKIP, type Skip } from '../framework.js';
import { normalizedImageName } from '../images.js';

export const name = 'ImageLocality';

const MB = 1024 * 1024;
/** Below this summed size an image's locality does not matter (k8s minThreshold). */
export const MIN_THRESHOLD_BYTES = 23 * MB;
/** Per container: above this, locality counts fully (k8s maxContainerThreshold). */
export const MAX_CONTAINER_THRESHOLD_BYTES = 1000 * MB;

interface State {
  /** The pod's images (normalized) with spread = nodes holding the image / all nodes. */
  images: { image: string; spread: number }[];
  containers: number;
}

function podImages(pod: Pod): string[] {
  const out: string[] = [];
  for (const c of pod.spec.initContainers ?? []) if (c.image) out.push(normalizedImageName(c.image));
  for (const c of pod.spec.containers ?? []) if (c.image) out.push(normalizedImageName(c.image));
  return out;
}

/**
 * Normalizes the pod's image names and computes their spread once per cycle rather than once
 * per node. Skips scoring when no node holds any of the pod's images: every node would score 0.
 */
export function preScore(ctx: CycleContext, pod: Pod): Skip | undefined {
  const total = ctx.snapshot.nodeInfos().length || 1;
  let held = false;
  const images = podImages(pod).map((image) => {
    const count = ctx.snapshot.imageNodeCount(image);
    if (count > 0) held = true;
    return { image, spread: count / total };
  });
  const containers = (pod.spec.initContainers?.length ?? 0) + (pod.spec.containers?.length ?? 0);
  ctx.state.set(name, { images, containers } satisfies State);
  return held && containers > 0 ? undefined : SKIP;
}

function state(ctx: CycleContext, pod: Pod): State {
  if (!ctx.state.has(name)) preScore(ctx, pod);
  return ctx.state.get(name) as State;
}

/**
 * With sizes known (k8s): sum = Σ over the pod's containers whose image is on the node of
 * floor(size * nodesWithImage / totalNodes); clamp sum to [23 MiB, 1000 MiB * containers];
 * score = floor(100 * (sum - 23 MiB) / (1000 MiB * containers - 23 MiB)).
 * When a present image's size is unknown (0), presence-based instead:
 * score = floor(100 * Σ (nodesWithImage / totalNodes) / containers).
 */
export function score(ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): number {
  const { images, containers } = state(ctx, pod);
  if (images.length === 0 || containers === 0) return 0;
  let sized = 0;
  let spreadSum = 0;
  let unknownSize = false;
  for (const { image, spread } of images) {
    const size = nodeInfo.images.get(image);
    if (size === undefined) continue;
    spreadSum += spread;
    if (size === 0) unknownSize = true;
    else sized += Math.floor(size * spread);
  }
  if (unknownSize) return Math.floor((MAX_NODE_SCORE * spreadSum) / containers);
  const max = MAX_CONTAINER_THRESHOLD_BYTES * containers;
  const sum = Math.min(max, Math.max(MIN_THRESHOLD_BYTES, sized));
  return Math.floor((MAX_NODE_SCORE * (sum - MIN_THRESHOLD_BYTES)) / (max - MIN_THRESHOLD_BYTES));
}
