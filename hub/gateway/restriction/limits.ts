// Bounds on what a board may report, each with its unit and the rule it follows. Kubernetes
// leaves some unbounded for kubelets it trusts more than Drover trusts a board in the field.

import {
  NODE_STATUS_MAX_IMAGES,
  NODE_STATUS_MAX_NAMES_PER_IMAGE,
} from '../../../shared/protocol/constants.js';

const TiB = 2 ** 40;

export const REPORT_LIMITS = {
  /** Labels an agent sets on its Node, count. */
  maxLabels: 64,
  /** Conditions in a node or pod status, count (the kubelet reports five node conditions). */
  maxConditions: 16,
  /** Node addresses, count. */
  maxAddresses: 16,
  /** Resource names in capacity or allocatable, count. */
  maxResources: 32,
  /** node.status.images, count: the kubelet's nodeStatusMaxImages. */
  maxImages: NODE_STATUS_MAX_IMAGES,
  /** Names per image, count: the kubelet's maxNamesPerImageInNodeStatus. */
  maxNamesPerImage: NODE_STATUS_MAX_NAMES_PER_IMAGE,
  /** Any other list or map in a report, entries. */
  maxEntries: 64,
  /** Nesting of a report, levels. */
  maxDepth: 12,
  /** A name, reason, address, version or image reference, characters. */
  maxTextChars: 1024,
  /** A condition or container message, characters (longer is cut): the kubelet's termination message limit (4096 bytes). */
  maxMessageChars: 4096,
  /** An event message, characters: events.k8s.io's note limit (1 KiB). */
  maxEventMessageChars: 1024,
  /** An event reason, characters: events.k8s.io's reason limit. */
  maxEventReasonChars: 128,
  /** cpu, cores. */
  maxCpuCores: 1024,
  /** memory, hugepages-*, bytes. */
  maxMemoryBytes: 16 * TiB,
  /** ephemeral-storage and storage, bytes. */
  maxStorageBytes: 1024 * TiB,
  /** pods, count (the kubelet's maxPods defaults to 110). */
  maxPods: 2048,
  /** An extended resource (example.com/gpu), count. */
  maxExtended: 1_000_000,
  /** One image's size, bytes. */
  maxImageBytes: 1 * TiB,
  /** A container's restart count. */
  maxRestartCount: 2 ** 31 - 1,
  /** Reported CPU use, percent of all the board's CPUs together. */
  maxUsageCpuPercent: 100,
} as const;

/** The largest value a board may report for a resource, in the quantity's own unit. */
export function resourceMax(name: string): number {
  const L = REPORT_LIMITS;
  if (name === 'cpu') return L.maxCpuCores;
  if (name === 'memory' || name.startsWith('hugepages-')) return L.maxMemoryBytes;
  if (name === 'ephemeral-storage' || name === 'storage') return L.maxStorageBytes;
  if (name === 'pods') return L.maxPods;
  return L.maxExtended;
}
