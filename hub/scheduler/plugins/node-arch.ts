// NodeArch: the image's platforms vs the node's architecture. Edge fleets mix arm64, armhf
// and amd64 boards; an image built for one does not start on another. The pod lists its
// image's platforms in the annotation `drover.io/image-platforms: linux/amd64,linux/arm64`.
// (An arch nodeSelector/affinity is matched by NodeAffinity against the node's effective
// labels, where kubernetes.io/arch is filled from node.status.nodeInfo.architecture.)

import type { Pod } from '../../../shared/api/types.js';
import {
  type CycleContext,
  type NodeInfo,
  SKIP,
  type Skip,
  type Status,
  SUCCESS,
  unresolvable,
} from '../framework.js';
import { LABEL_ARCH, LABEL_OS } from '../node-info.js';

export const name = 'NodeArch';
export const IMAGE_PLATFORMS_ANNOTATION = 'drover.io/image-platforms';

export interface Platform {
  os?: string;
  arch: string;
}

/** `linux/arm64`, `linux/arm/v7`, or a bare `arm64`. Variants are not compared. */
export function parsePlatforms(value: string): Platform[] {
  const out: Platform[] = [];
  for (const item of value.split(',')) {
    const parts = item.trim().split('/');
    if (parts.length === 1 && parts[0]) out.push({ arch: parts[0] });
    else if (parts.length >= 2 && parts[1]) out.push({ os: parts[0] || undefined, arch: parts[1] });
  }
  return out;
}

export function platformReason(platforms: readonly Platform[]): string {
  const archs = [...new Set(platforms.map((p) => p.arch))];
  return `node(s) didn't match the image's platform (${archs.join(', ')})`;
}

/** The pod's platforms, parsed once per cycle; empty = any platform. */
function podPlatforms(pod: Pod): Platform[] {
  const annotation = pod.metadata.annotations?.[IMAGE_PLATFORMS_ANNOTATION];
  return annotation ? parsePlatforms(annotation) : [];
}

/** Skips the filter for a pod that names no platform (every node passes). */
export function preFilter(ctx: CycleContext, pod: Pod): Skip | undefined {
  const platforms = podPlatforms(pod);
  ctx.state.set(name, platforms);
  return platforms.length === 0 ? SKIP : undefined;
}

export function filter(ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): Status {
  const platforms = (ctx.state.get(name) as Platform[] | undefined) ?? podPlatforms(pod);
  const arch = nodeInfo.labels[LABEL_ARCH];
  // A node that does not say what it is cannot be ruled out.
  if (platforms.length === 0 || !arch) return SUCCESS;
  const os = nodeInfo.labels[LABEL_OS];
  const ok = platforms.some((p) => p.arch === arch && (!p.os || !os || p.os === os));
  return ok ? SUCCESS : unresolvable(platformReason(platforms));
}
