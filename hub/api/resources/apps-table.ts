// Table columns of the apps/v1 kinds, as kube-apiserver's printers (pkg/printers/internalversion)
// print them: `kubectl get deploy|rs|ds` and their `-o wide` columns.

import type { DaemonSet, Deployment, PodTemplateSpec, ReplicaSet } from '../../../shared/api/apps.js';
import type { LabelSelector } from '../../../shared/api/types.js';
import { age, ageColumn, col, nameColumn, type TableColumn, type TableDef } from '../table.js';

export const containersCol = col('Containers', 'string', 'Names of each container in the template.', 1);
export const imagesCol = col('Images', 'string', 'Images referenced by each container in the template.', 1);
const selectorCol = col('Selector', 'string', 'Label selector for pods.', 1);

/** metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key. */
export function selectorString(sel: LabelSelector | undefined): string {
  if (!sel) return '<none>';
  const parts: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) parts.push({ key: k, text: `${k}=${v}` });
  for (const e of sel.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    const text =
      e.operator === 'In'
        ? `${e.key} in (${vals})`
        : e.operator === 'NotIn'
          ? `${e.key} notin (${vals})`
          : e.operator === 'Exists'
            ? e.key
            : `!${e.key}`;
    parts.push({ key: e.key, text });
  }
  if (parts.length === 0) return '<none>';
  return parts
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((p) => p.text)
    .join(',');
}

export function templateCells(t: PodTemplateSpec | undefined): [string, string] {
  const cs = t?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(',')];
}

const int = (v: number | undefined) => v ?? 0;

export const deploymentTable: TableDef<Deployment> = {
  columns: [
    nameColumn,
    col('Ready', 'string', 'Number of the ready replicas'),
    col(
      'Up-to-date',
      'integer',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    ),
    col(
      'Available',
      'integer',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    ),
    ageColumn,
    containersCol,
    imagesCol,
    selectorCol,
  ],
  cells(d, now) {
    const st = d.status ?? {};
    return [
      d.metadata.name,
      `${int(st.readyReplicas)}/${int(d.spec.replicas)}`,
      int(st.updatedReplicas),
      int(st.availableReplicas),
      age(d.metadata.creationTimestamp, now),
      ...templateCells(d.spec.template),
      selectorString(d.spec.selector),
    ];
  },
};

export const replicaSetTable: TableDef<ReplicaSet> = {
  columns: [
    nameColumn,
    col('Desired', 'integer', 'Number of desired pods.'),
    col('Current', 'integer', 'Number of actual replicas.'),
    col('Ready', 'integer', 'Number of pods with a Ready Condition.'),
    ageColumn,
    containersCol,
    imagesCol,
    selectorCol,
  ],
  cells(rs, now) {
    return [
      rs.metadata.name,
      int(rs.spec.replicas),
      int(rs.status?.replicas),
      int(rs.status?.readyReplicas),
      age(rs.metadata.creationTimestamp, now),
      ...templateCells(rs.spec.template),
      selectorString(rs.spec.selector),
    ];
  },
};

const dsColumns: TableColumn[] = [
  nameColumn,
  col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
  col(
    'Current',
    'integer',
    'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
  ),
  col(
    'Ready',
    'integer',
    'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
  ),
  col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod.'),
  col(
    'Available',
    'integer',
    'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.',
  ),
  col(
    'Node Selector',
    'string',
    'NodeSelector is a selector which must be true for the pod to fit on a node.',
  ),
  ageColumn,
  containersCol,
  imagesCol,
  selectorCol,
];

export const daemonSetTable: TableDef<DaemonSet> = {
  columns: dsColumns,
  cells(ds, now) {
    const st = ds.status;
    const ns = ds.spec.template?.spec?.nodeSelector ?? {};
    const nodeSel = Object.keys(ns).length
      ? Object.keys(ns)
          .sort()
          .map((k) => `${k}=${ns[k]}`)
          .join(',')
      : '<none>';
    return [
      ds.metadata.name,
      int(st?.desiredNumberScheduled),
      int(st?.currentNumberScheduled),
      int(st?.numberReady),
      int(st?.updatedNumberScheduled),
      int(st?.numberAvailable),
      nodeSel,
      age(ds.metadata.creationTimestamp, now),
      ...templateCells(ds.spec.template),
      selectorString(ds.spec.selector),
    ];
  },
};
