// Labels and names Drover puts on its containers, so an agent that restarts adopts what is
// running instead of starting duplicates.
import { createHash } from 'node:crypto';
import type { Container } from '../../shared/api/types.js';

export const LABEL_NODE = 'io.drover.node';
export const LABEL_POD_UID = 'io.drover.pod.uid';
export const LABEL_POD_NAMESPACE = 'io.drover.pod.namespace';
export const LABEL_POD_NAME = 'io.drover.pod.name';
export const LABEL_CONTAINER_NAME = 'io.drover.container.name';
export const LABEL_CONTAINER_ATTEMPT = 'io.drover.container.attempt';
export const LABEL_CONTAINER_HASH = 'io.drover.container.hash';

/** The pod sandbox's container name: upper case, so no pod container (a DNS label) can take it. */
export const SANDBOX_CONTAINER = 'POD';

export interface ContainerIdentity {
  node: string;
  namespace: string;
  pod: string;
  podUID: string;
  container: string;
  /** 0 for the first start, +1 per restart. */
  attempt: number;
}

/** Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*; Kubernetes names never contain `_`. */
function safe(part: string): string {
  return part.replace(/[^a-zA-Z0-9.-]/g, '-');
}

/** First 8 characters of the pod uid: a pod deleted and recreated under the same name gets new
 * container names, so the old containers (still stopping) never block the create (kubelet
 * puts the uid in its names for the same reason). */
function uidPart(uid: string): string {
  return uid.replace(/-/g, '').slice(0, 8) || 'nouid';
}

/** `drover_<node>_<namespace>_<pod>_<uid8>_<container>_<attempt>` */
export function containerName(id: ContainerIdentity): string {
  return ['drover', id.node, id.namespace, id.pod, uidPart(id.podUID), id.container, String(id.attempt)]
    .map(safe)
    .join('_');
}

/** Inverse of containerName; undefined for names Drover did not make. */
export function parseContainerName(name: string): ContainerIdentity | undefined {
  const parts = name.replace(/^\//, '').split('_');
  if (parts.length !== 7 || parts[0] !== 'drover' || !/^\d+$/.test(parts[6])) return undefined;
  return {
    node: parts[1],
    namespace: parts[2],
    pod: parts[3],
    podUID: '', // only a prefix is in the name; the full uid is in the LABEL_POD_UID label
    container: parts[5],
    attempt: Number(parts[6]),
  };
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stable(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Hash of the container's spec (key order independent): a changed spec means a new container. */
export function containerHash(container: Container): string {
  return createHash('sha256').update(stable(container)).digest('hex').slice(0, 16);
}

export function containerLabels(id: ContainerIdentity, container: Container): Record<string, string> {
  return {
    [LABEL_NODE]: id.node,
    [LABEL_POD_UID]: id.podUID,
    [LABEL_POD_NAMESPACE]: id.namespace,
    [LABEL_POD_NAME]: id.pod,
    [LABEL_CONTAINER_NAME]: id.container,
    [LABEL_CONTAINER_ATTEMPT]: String(id.attempt),
    [LABEL_CONTAINER_HASH]: containerHash(container),
  };
}
