// Publishes the Service table every board's proxy serves (agent/proxy/): each Service with a
// ClusterIP or NodePorts, its TCP ports, and its endpoints from the EndpointSlices, with the
// InternalIP of each board that hosts one. One retained message on cluster/services for the
// whole fleet, as kube-proxy reads every Service and EndpointSlice (system:node-proxier): no pod
// specs, labels, ConfigMaps or Secrets go in it. Rebuilt, coalesced per tick, on any change of
// the three kinds; published only when it changed.

import type { ApiClient } from '../api/client.js';
import {
  CLUSTER_IP_NONE,
  type EndpointSlice,
  SERVICE_NAME_LABEL,
  type Service,
} from '../../shared/api/service.js';
import type { KubeObject, Node } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';
import { topics } from '../../shared/mqtt/topics.js';
import { MAX_AGENT_PAYLOAD_BYTES } from '../../shared/protocol/constants.js';
import {
  encode,
  type ProxyEndpoint,
  type ProxyService,
  type ServiceTable,
} from '../../shared/protocol/messages.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import type { Informer } from '../informers/informer.js';
import type { PublishOptions } from './context.js';

export interface ServiceTablePublisherOptions {
  client: ApiClient;
  publish(topic: string, payload: Buffer, opts: PublishOptions): Promise<void>;
  log: Logger;
  informers?: InformerFactory;
}

function internalIp(n: Node | undefined): string | undefined {
  return n?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/** The table from the three kinds' current objects (pure). */
export function buildServiceTable(
  services: Service[],
  slices: EndpointSlice[],
  nodeOf: (name: string) => Node | undefined,
): Omit<ServiceTable, 'v' | 'revision'> {
  const bySvc = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc || s.addressType !== 'IPv4') continue;
    const k = `${s.metadata.namespace}/${svc}`;
    bySvc.set(k, [...(bySvc.get(k) ?? []), s]);
  }
  const nodes: Record<string, string> = {};
  const out: ProxyService[] = [];
  for (const svc of services) {
    const ns = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name ?? '';
    const endpoints: ProxyEndpoint[] = [];
    for (const slice of bySvc.get(`${ns}/${name}`) ?? []) {
      const ports: Record<string, number> = {};
      for (const p of slice.ports ?? [])
        if (p.port && (p.protocol ?? 'TCP') === 'TCP') ports[p.name ?? ''] = p.port;
      for (const e of slice.endpoints ?? []) {
        if (!e.nodeName || !e.addresses[0]) continue;
        const addr = internalIp(nodeOf(e.nodeName));
        if (addr) nodes[e.nodeName] = addr;
        endpoints.push({ ip: e.addresses[0], node: e.nodeName, ready: e.conditions?.ready !== false, ports });
      }
    }
    const cip = svc.spec.clusterIP;
    out.push({
      namespace: ns,
      name,
      ...(cip && cip !== CLUSTER_IP_NONE ? { clusterIP: cip } : {}),
      ports: (svc.spec.ports ?? [])
        .filter((p) => (p.protocol ?? 'TCP') === 'TCP')
        .map((p) => ({ name: p.name ?? '', port: p.port, ...(p.nodePort ? { nodePort: p.nodePort } : {}) })),
      endpoints: endpoints.sort((a, b) => a.ip.localeCompare(b.ip)),
    });
  }
  out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  return { services: out, nodes };
}

export class ServiceTablePublisher {
  private readonly informers: InformerUse;
  private services?: Informer<Service>;
  private slices?: Informer<EndpointSlice>;
  private nodes?: Informer<Node>;
  private revision = 0;
  private last = '';
  private scheduled = false;
  private stopped = false;
  /** Publishes done (tests). */
  published = 0;

  constructor(private readonly opts: ServiceTablePublisherOptions) {
    this.informers = new InformerUse(opts.informers, opts.client, opts.log);
  }

  async start(): Promise<void> {
    const onChange = (_t: unknown, o: KubeObject) => {
      this.revision = Math.max(this.revision, Number(o.metadata.resourceVersion ?? 0));
      this.schedule();
    };
    const handlers = { onChange, onRelist: () => this.schedule() };
    this.services = await this.informers.watch<Service>('services', handlers);
    this.slices = await this.informers.watch<EndpointSlice>('endpointslices', handlers);
    this.nodes = await this.informers.watch<Node>('nodes', { onChange: () => this.schedule() });
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.informers.close();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.stopped) this.flush();
    });
  }

  private flush(): void {
    const nodes = this.nodes;
    if (!this.services || !this.slices || !nodes) return;
    const table = buildServiceTable(this.services.list(), this.slices.list(), (n) => nodes.get(`/${n}`));
    const body = JSON.stringify(table);
    // Node status churn rebuilds the table; only a change goes out.
    if (body === this.last) return;
    const payload = encode<ServiceTable>({ revision: this.revision, ...table });
    if (payload.byteLength > MAX_AGENT_PAYLOAD_BYTES) {
      this.opts.log.error('service table exceeds the payload limit; boards keep the previous one', {
        bytes: payload.byteLength,
      });
      return;
    }
    this.last = body;
    this.published++;
    this.opts.publish(topics.services, payload, { qos: 1, retain: true }).catch((e: unknown) => {
      this.opts.log.warn('service table publish failed', { error: e as Error });
    });
  }
}
