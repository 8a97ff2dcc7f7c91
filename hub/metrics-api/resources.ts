// metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics (metrics-server's API, what `kubectl top`
// and the HPA read), served from the boards' latest usage reports in memory. A board speaks
// only for itself and its own pods: a pod's usage is served only when the pod (same uid) is
// bound to the node that reported it (the node authorizer's rule, applied where it is read).
// Nodes and pods come from the hub's shared informers, as metrics-server reads its own cache:
// a `kubectl top` costs no store LIST.

import type { KubeObject, Node, Pod } from '../../shared/api/types.js';
import { matches, parseSelector } from '../../shared/api/labels.js';
import type { PodUsage } from '../../shared/protocol/messages.js';
import { NotFoundError, ServiceUnavailableError } from '../api/errors.js';
import type { InformerFactory } from '../informers/factory.js';
import { INDEX_NAMESPACE } from '../informers/indexes.js';
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

/**
 * informers: the hub's shared factory, once made (the API starts before it); until then the
 * metrics API answers 503 as an unready metrics-server does.
 */
export function createMetricsResources(
  usage: UsageStore,
  informers: () => InformerFactory | undefined,
): ResourceDef[] {
  const cache = async <T extends KubeObject>(resource: 'nodes' | 'pods') => {
    const f = informers();
    if (!f)
      throw new ServiceUnavailableError('the metrics API is starting: the node and pod caches are not ready');
    const inf = f.informer<T>(resource);
    await inf.start();
    return inf;
  };

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
    const sample = usage.podSample(p);
    if (!sample) return undefined;
    const r = sample.report;
    const reported: PodUsage = sample.usage;
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
        const n = (await cache<Node>('nodes')).get(name);
        const m = n && nodeMetrics(n);
        if (!m) throw new NotFoundError('nodes', name, GROUP);
        return m;
      }
      const all = (await cache<Node>('nodes')).list();
      return list('NodeMetrics', selected(all, labelSelector).map(nodeMetrics)) as unknown as KubeObject;
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
        const p = (await cache<Pod>('pods')).get(`${namespace ?? ''}/${name}`);
        const m = p && podMetrics(p);
        if (!m) throw new NotFoundError('pods', name, GROUP);
        return m;
      }
      const pods = await cache<Pod>('pods');
      const all = namespace ? pods.byIndex(INDEX_NAMESPACE, namespace) : pods.list();
      return list('PodMetrics', selected(all, labelSelector).map(podMetrics)) as unknown as KubeObject;
    },
  };
  return [nodes, pods];
}
