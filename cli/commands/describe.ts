// `drover describe node NAME`: the node in kubectl describe's layout, with its pods and events.

import { flagBool, flagString, parseFlags } from '../../agent/flags.js';
import type { Event, KubeList, Node, Pod } from '../../shared/api/types.js';
import { type ApiTarget, apiRequest, resolveApiTarget, resourceInfo, resourcePath } from '../api.js';
import { TARGET_FLAGS, UsageError } from '../common.js';
import { age, formatColumns } from '../table.js';

export const DESCRIBE_USAGE = `Usage: drover describe node NAME [--server URL | --kubeconfig FILE]
`;

export async function describeCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const f = parseFlags(argv, { ...TARGET_FLAGS, help: { type: 'boolean', aliases: ['-h'] } });
  if (flagBool(f, 'help')) {
    out(DESCRIBE_USAGE);
    return 0;
  }
  const [type, name] = f.positionals;
  if (!type || !name)
    throw new UsageError(
      'describe needs a type and a name, e.g. `drover describe node pi-1`',
      DESCRIBE_USAGE,
    );
  if (resourceInfo(type).plural !== 'nodes')
    throw new UsageError(`describe supports nodes only for now, not ${type}`, DESCRIBE_USAGE);
  const target = resolveApiTarget({
    server: flagString(f, 'server'),
    kubeconfig: flagString(f, 'kubeconfig'),
  });
  const node = await apiRequest<Node>(target, resourcePath(resourceInfo('nodes'), undefined, name));
  out(
    describeNode(
      node,
      await listOrEmpty<Pod>(target, 'pods', `spec.nodeName=${name}`),
      await listOrEmpty<Event>(target, 'events', `involvedObject.name=${name}`),
    ),
  );
  return 0;
}

/** Related objects are a bonus: a hub that cannot filter them still describes the node. */
async function listOrEmpty<T>(target: ApiTarget, type: string, fieldSelector: string): Promise<T[]> {
  try {
    const q = new URLSearchParams({ fieldSelector });
    const l = await apiRequest<KubeList>(target, `${resourcePath(resourceInfo(type), undefined)}?${q}`);
    return (l.items ?? []) as unknown as T[];
  } catch {
    return [];
  }
}

function kv(map: Record<string, string> | undefined, indent: string): string {
  const e = Object.entries(map ?? {});
  if (e.length === 0) return '<none>';
  return e.map(([k, v], i) => `${i ? indent : ''}${k}=${v}`).join('\n');
}

function block(rows: [string, string][]): string {
  return rows.map(([k, v]) => `  ${`${k}:`.padEnd(28)}${v}`).join('\n');
}

export function describeNode(n: Node, pods: Pod[], events: Event[], now = Date.now()): string {
  const st = n.status ?? {};
  const pad = ' '.repeat(20);
  const roles = Object.keys(n.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  const taints = (n.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  const lines: string[] = [
    `Name:               ${n.metadata.name}`,
    `Roles:              ${roles.join(',') || '<none>'}`,
    `Labels:             ${kv(n.metadata.labels, pad)}`,
    `Annotations:        ${kv(n.metadata.annotations, pad)}`,
    `CreationTimestamp:  ${n.metadata.creationTimestamp ?? '<unknown>'}`,
    `Taints:             ${taints.join(`\n${pad}`) || '<none>'}`,
    `Unschedulable:      ${n.spec?.unschedulable ? 'true' : 'false'}`,
    'Conditions:',
    indent(
      formatColumns(
        ['Type', 'Status', 'LastHeartbeatTime', 'LastTransitionTime', 'Reason', 'Message'],
        (st.conditions ?? []).map((c) => [
          c.type,
          c.status,
          c.lastHeartbeatTime ?? '',
          c.lastTransitionTime ?? '',
          c.reason ?? '',
          c.message ?? '',
        ]),
      ),
    ),
    'Addresses:',
    block((st.addresses ?? []).map((a) => [a.type, a.address])),
    'Capacity:',
    block(Object.entries(st.capacity ?? {})),
    'Allocatable:',
    block(Object.entries(st.allocatable ?? {})),
    'System Info:',
    block(
      st.nodeInfo
        ? [
            ['Machine ID', st.nodeInfo.machineID],
            ['Boot ID', st.nodeInfo.bootID],
            ['Kernel Version', st.nodeInfo.kernelVersion],
            ['OS Image', st.nodeInfo.osImage],
            ['Operating System', st.nodeInfo.operatingSystem],
            ['Architecture', st.nodeInfo.architecture],
            ['Container Runtime Version', st.nodeInfo.containerRuntimeVersion || '<none>'],
            ['Kubelet Version', st.nodeInfo.kubeletVersion],
          ]
        : [],
    ),
    `Non-terminated Pods:          (${pods.length} in total)`,
    pods.length
      ? indent(
          formatColumns(
            ['Namespace', 'Name', 'Age'],
            pods.map((p) => [
              p.metadata.namespace ?? '',
              p.metadata.name ?? '',
              age(p.metadata.creationTimestamp, now),
            ]),
          ),
        )
      : '',
    `Events:             ${events.length ? '' : '<none>'}`,
    events.length
      ? indent(
          formatColumns(
            ['Type', 'Reason', 'Age', 'From', 'Message'],
            events.map((e) => [
              e.type ?? '',
              e.reason ?? '',
              age(e.lastTimestamp ?? e.metadata.creationTimestamp, now),
              e.source?.component ?? e.reportingComponent ?? '',
              e.message ?? '',
            ]),
          ),
        )
      : '',
  ];
  return `${lines.filter((l) => l !== '').join('\n')}\n`;
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
