// The labels a node owns on its Node: what its agent reports (allowlisted by the gate), with
// the hub's own values for hostname, arch and os (the kubelet sets these itself; a board may
// not name another). The keys the agent set last time are kept in an annotation, so a label
// it stops reporting is removed, and every other label stays the API's (admins).

import { LABEL_ARCH, LABEL_HOSTNAME, LABEL_OS } from '../../../shared/api/node-labels.js';
import type { ObjectMeta } from '../../../shared/api/types.js';
import type { NodeStatusReport } from '../../../shared/protocol/messages.js';

/** Comma-separated label keys the node's agent set (so they can be removed when it stops). */
export const AGENT_LABELS_ANNOTATION = 'drover.io/agent-labels';

export function nodeOwnedLabels(node: string, r: NodeStatusReport): Record<string, string> {
  return {
    ...(r.labels ?? {}),
    [LABEL_HOSTNAME]: node,
    [LABEL_ARCH]: r.nodeInfo.architecture,
    [LABEL_OS]: r.nodeInfo.operatingSystem,
  };
}

/** The Node's labels and annotations after this report; undefined when nothing changes. */
export function labelsAfterReport(
  meta: ObjectMeta,
  node: string,
  r: NodeStatusReport,
): Pick<ObjectMeta, 'labels' | 'annotations'> | undefined {
  const want = nodeOwnedLabels(node, r);
  const before = meta.labels ?? {};
  const labels = { ...before };
  const previous = (meta.annotations?.[AGENT_LABELS_ANNOTATION] ?? '').split(',').filter(Boolean);
  for (const k of previous) if (!(k in want)) delete labels[k];
  Object.assign(labels, want);
  const owned = Object.keys(r.labels ?? {})
    .filter((k) => k !== LABEL_HOSTNAME && k !== LABEL_ARCH && k !== LABEL_OS)
    .sort()
    .join(',');
  const annotations = { ...(meta.annotations ?? {}) };
  if (owned) annotations[AGENT_LABELS_ANNOTATION] = owned;
  else delete annotations[AGENT_LABELS_ANNOTATION];
  const same =
    Object.keys(labels).length === Object.keys(before).length &&
    Object.entries(labels).every(([k, v]) => before[k] === v) &&
    (meta.annotations?.[AGENT_LABELS_ANNOTATION] ?? '') === owned;
  if (same) return undefined;
  return { labels, annotations };
}
