// v1 Node. The agent (through the gateway) creates it with status; `status` is a
// subresource: a PUT/PATCH of the node keeps the stored status, as upstream.

import type { Node, StatusCause } from '../../../shared/api/types.js';
import { isValidQuantity } from '../../../shared/api/quantity.js';
import { isQualifiedName } from '../../../shared/api/validation.js';
import { any, arr, bool, int, kindSchema, map, obj, quantity, str, strArr } from '../schema.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { cause, notSupported, required } from '../meta.js';
import { validateNodeStatus } from './node-validation.js';
import { age, ageColumn, col, nameColumn } from '../table.js';

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export const condition = obj({
  type: str,
  status: str,
  lastHeartbeatTime: str,
  lastProbeTime: str,
  lastTransitionTime: str,
  reason: str,
  message: str,
  observedGeneration: int,
});

export function checkQuantities(field: string, list: Record<string, unknown> | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(list ?? {}))
    if (!isValidQuantity(v))
      out.push(
        cause(
          `${field}[${k}]`,
          `Invalid value: "${String(v)}": must be a quantity such as 250m, 1, 256Mi or 1.5Gi`,
        ),
      );
  return out;
}

/** kubectl's printNode STATUS: Ready / NotReady / Unknown (no Ready condition), then SchedulingDisabled. */
export function nodeStatusText(n: Node): string {
  const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (n.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

export function nodeRoles(n: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(n.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const r = k.slice('node-role.kubernetes.io/'.length);
      if (r) roles.add(r);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

function address(n: Node, type: string): string {
  return n.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

export const nodes: ResourceDef<Node> = {
  group: '',
  version: 'v1',
  resource: 'nodes',
  kind: 'Node',
  singular: 'node',
  shortNames: ['no'],
  namespaced: false,
  verbs: ALL_VERBS,
  // usage: the board's usage history, served from the hub's memory (hub/usage/handler.ts).
  subresources: ['status', 'usage'],
  schema: kindSchema({
    spec: obj({
      podCIDR: str,
      podCIDRs: strArr,
      providerID: str,
      unschedulable: bool,
      taints: arr(obj({ key: str, value: str, effect: str, timeAdded: str })),
      configSource: any,
      externalID: str,
    }),
    status: obj({
      capacity: map(quantity),
      allocatable: map(quantity),
      phase: str,
      conditions: arr(condition),
      addresses: arr(obj({ type: str, address: str })),
      daemonEndpoints: any,
      nodeInfo: obj({
        machineID: str,
        systemUUID: str,
        bootID: str,
        kernelVersion: str,
        osImage: str,
        containerRuntimeVersion: str,
        kubeletVersion: str,
        kubeProxyVersion: str,
        operatingSystem: str,
        architecture: str,
      }),
      images: arr(obj({ names: strArr, sizeBytes: int })),
      volumesInUse: strArr,
      volumesAttached: any,
      config: any,
      runtimeHandlers: any,
      features: any,
    }),
  }),
  defaults(n) {
    if (!n.spec) n.spec = {};
  },
  validate(n) {
    const causes: StatusCause[] = [];
    (n.spec.taints ?? []).forEach((t, i) => {
      const f = `spec.taints[${i}]`;
      if (!t.key) causes.push(required(`${f}.key`));
      else
        for (const m of isQualifiedName(t.key))
          causes.push(cause(`${f}.key`, `Invalid value: "${t.key}": ${m}`));
      if (!EFFECTS.includes(t.effect)) causes.push(notSupported(`${f}.effect`, t.effect ?? '', EFFECTS));
    });
    causes.push(...validateNodeStatus(n.status));
    return causes;
  },
  table: {
    columns: [
      nameColumn,
      col('Status', 'string', 'The status of the node'),
      col('Roles', 'string', 'The roles of the node'),
      ageColumn,
      col('Version', 'string', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'string', 'List of internal IPs (if any) of the node.', 1),
      col('External-IP', 'string', 'List of external IPs (if any) of the node.', 1),
      col(
        'OS-Image',
        'string',
        'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
        1,
      ),
      col(
        'Kernel-Version',
        'string',
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        1,
      ),
      col(
        'Container-Runtime',
        'string',
        'Container Runtime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
        1,
      ),
    ],
    cells: (n, now) => {
      const info = n.status?.nodeInfo;
      return [
        n.metadata.name,
        nodeStatusText(n),
        nodeRoles(n),
        age(n.metadata.creationTimestamp, now),
        info?.kubeletVersion ?? '',
        address(n, 'InternalIP'),
        address(n, 'ExternalIP'),
        info?.osImage || '<unknown>',
        info?.kernelVersion || '<unknown>',
        info?.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
};
