// NodeInfo: a node with the pods on it and the sums of their requests, kept up to date
// incrementally as pods are added and removed (kube-scheduler's framework.NodeInfo).

import type { Node, Taint } from '../../shared/api/types.js';
import type { NodeInfo, PodInfo, Resources } from './framework.js';
import { normalizedImageName } from './images.js';
import { emptyResources, nodeAllocatable } from './resources.js';

/** Shared by every node that reports no images (a hollow board, a fresh one). */
const NO_IMAGES: ReadonlyMap<string, number> = new Map<string, number>();

function nodeImages(node: Node): ReadonlyMap<string, number> {
  if (!node.status?.images?.length) return NO_IMAGES;
  const images = new Map<string, number>();
  for (const img of node.status?.images ?? []) {
    for (const n of img.names ?? []) images.set(normalizedImageName(n), img.sizeBytes ?? 0);
  }
  return images;
}

/** Well-known labels kubelet sets; an agent may not, so they are derived from the node's status. */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ARCH = 'kubernetes.io/arch';
export const LABEL_OS = 'kubernetes.io/os';

function effectiveLabels(node: Node): Readonly<Record<string, string>> {
  const own = node.metadata.labels;
  // The hub sets all three on every board's Node: then no copy per node.
  if (own?.[LABEL_HOSTNAME] !== undefined && own[LABEL_ARCH] !== undefined && own[LABEL_OS] !== undefined)
    return own;
  const labels: Record<string, string> = { ...(own ?? {}) };
  const info = node.status?.nodeInfo;
  if (labels[LABEL_HOSTNAME] === undefined && node.metadata.name) labels[LABEL_HOSTNAME] = node.metadata.name;
  if (labels[LABEL_ARCH] === undefined && info?.architecture) labels[LABEL_ARCH] = info.architecture;
  if (labels[LABEL_OS] === undefined && info?.operatingSystem) labels[LABEL_OS] = info.operatingSystem;
  return labels;
}

function isReady(node: Node): boolean {
  for (const c of node.status?.conditions ?? []) if (c.type === 'Ready') return c.status === 'True';
  return false;
}

/** Shared by every untainted node (most of a fleet): no two empty arrays per node. */
const NO_TAINTS: readonly Taint[] = Object.freeze([]);

function taintsWith(node: Node, effects: readonly string[]): readonly Taint[] {
  const taints = node.spec?.taints;
  if (!taints?.length) return NO_TAINTS;
  const out = taints.filter((t) => effects.includes(t.effect));
  return out.length > 0 ? out : NO_TAINTS;
}

export function createNodeInfo(node: Node): NodeInfo {
  const info: NodeInfo = {
    name: node.metadata.name ?? '',
    node,
    labels: {},
    pods: new Map(),
    allocatable: emptyResources(),
    requested: emptyResources(),
    nonZeroRequested: emptyResources(),
    images: NO_IMAGES,
    ready: false,
    unschedulable: false,
    noScheduleTaints: NO_TAINTS,
    preferNoScheduleTaints: NO_TAINTS,
  };
  setNode(info, node);
  return info;
}

/** Replaces the node object, keeping the pods, and re-derives everything taken from the node. */
export function setNode(info: NodeInfo, node: Node): void {
  info.node = node;
  info.labels = effectiveLabels(node);
  info.allocatable = nodeAllocatable(node);
  info.images = nodeImages(node);
  info.ready = isReady(node);
  info.unschedulable = node.spec?.unschedulable === true;
  info.noScheduleTaints = taintsWith(node, ['NoSchedule', 'NoExecute']);
  info.preferNoScheduleTaints = taintsWith(node, ['PreferNoSchedule']);
}

function add(into: Resources, r: Resources, sign: 1 | -1): void {
  into.milliCpu += sign * r.milliCpu;
  into.memory += sign * r.memory;
  into.pods += sign * r.pods;
}

export function addPod(info: NodeInfo, p: PodInfo): void {
  const old = info.pods.get(p.key);
  if (old) removePod(info, old.key);
  info.pods.set(p.key, p);
  add(info.requested, p.requests, 1);
  add(info.nonZeroRequested, p.nonZeroRequests, 1);
}

export function removePod(info: NodeInfo, key: string): PodInfo | undefined {
  const p = info.pods.get(key);
  if (!p) return undefined;
  info.pods.delete(key);
  add(info.requested, p.requests, -1);
  add(info.nonZeroRequested, p.nonZeroRequests, -1);
  return p;
}
