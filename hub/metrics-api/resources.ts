// metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics (metrics-server's API, what `kubectl top`
// and the HPA read), served from the boards' latest usage reports in memory. A board speaks
// only for itself and its own pods: a pod's usage is served only when the pod (same uid) is
// bound to the node that reported it (the node authorizer's rule, applied where it is read).

import type { KubeObject, Node, Pod } from '../../shared/api/types.js';
import { matches, parseSelector } from '../../shared/api/labels.js';
import type { PodUsage } from '../../shared/protocol/messages.js';
import type { ApiClient } from '../api/client.js';
import { NotFoundError } from '../api/errors.js';
import type { ResourceDef } from '../api/resource.js';
import { kindSchema } from '../api/schema.js';
import type { UsageStore } from './usage-store.js';

const GROUP = 'metrics.k8s.io';
const VERSION = 'v1beta1';
const API_VERSION = `${GROUP}/${VERSION}`;

/** CPU as nanocores and memory as KiB, the units metrics-server answers in. */
export function usageQuantities(cpuNanoCores: number, memoryBytes: number): { cpu: string; memory: string } {
  return { cpu: `${Math.round(cpuNanoCores)}n`, memory: `${Math.round(memoryBytes / 1024)}Ki` };
}

function meta(o: KubeObject, timestamp: string) {
  return {
    name: o.metadata.name,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    ...(o.metadata.labels ? { labels: o.metadata.labels } : {}),
    creationTimestamp: timestamp,
  };
}

export function createMetricsResources(usage: UsageStore, client: ApiClient): ResourceDef[] {
  const nodeMetrics = (n: Node): KubeObject | undefined => {
    const u = usage.get(n.metadata.name ?? '');
    if (!u) return undefined;
    const r = u.report;
    return {
      kind: 'NodeMetrics',
      apiVersion: API_VERSION,
      metadata: meta(n, r.timestamp),
      timestamp: r.timestamp,
      window: `${r.windowSeconds}s`,
      usage: usageQuantities(r.node.cpuNanoCores, r.node.memoryBytes),
    } as KubeObject;
  };

  const podMetrics = (p: Pod): KubeObject | undefined => {
    const u = usage.get(p.spec.nodeName ?? '');
    const reported: PodUsage | undefined = u?.report.pods.find((x) => x.uid === p.metadata.uid);
    if (!u || !reported) return undefined;
    const r = u.report;
    return {
      kind: 'PodMetrics',
      apiVersion: API_VERSION,
      metadata: meta(p, r.timestamp),
      timestamp: r.timestamp,
      window: `${r.windowSeconds}s`,
      containers: reported.containers.map((c) => ({
        name: c.name,
        usage: usageQuantities(c.cpuNanoCores, c.memoryBytes),
      })),
    } as KubeObject;
  };

  const selected = <T extends KubeObject>(items: T[], labelSelector?: string) => {
    if (!labelSelector) return items;
    const sel = parseSelector(labelSelector);
    return items.filter((o) => matches(sel, o.metadata.labels));
  };

  const list = (kind: string, items: (KubeObject | undefined)[]) => ({
    kind: `${kind}List`,
    apiVersion: API_VERSION,
    metadata: {},
    items: items.filter((x): x is KubeObject => x !== undefined),
  });

  const nodes: ResourceDef = {
    group: GROUP,
    version: VERSION,
    resource: 'nodes',
    kind: 'NodeMetrics',
    singular: '',
    namespaced: false,
    verbs: ['get', 'list'],
    subresources: [],
    schema: kindSchema({}),
    async serve({ name, labelSelector }) {
      if (name) {
        const n = await client.get<Node>('nodes', undefined, name).catch(() => undefined);
        const m = n && nodeMetrics(n);
        if (!m) throw new NotFoundError('nodes', name, GROUP);
        return m;
      }
      const all = await client.list<Node>('nodes', undefined);
      return list(
        'NodeMetrics',
        selected(all.items, labelSelector).map(nodeMetrics),
      ) as unknown as KubeObject;
    },
  };

  const pods: ResourceDef = {
    group: GROUP,
    version: VERSION,
    resource: 'pods',
    kind: 'PodMetrics',
    singular: '',
    namespaced: true,
    verbs: ['get', 'list'],
    subresources: [],
    schema: kindSchema({}),
    async serve({ namespace, name, labelSelector }) {
      if (name) {
        const p = await client.get<Pod>('pods', namespace, name).catch(() => undefined);
        const m = p && podMetrics(p);
        if (!m) throw new NotFoundError('pods', name, GROUP);
        return m;
      }
      const all = await client.list<Pod>('pods', namespace);
      return list('PodMetrics', selected(all.items, labelSelector).map(podMetrics)) as unknown as KubeObject;
    },
  };
  return [nodes, pods];
}
