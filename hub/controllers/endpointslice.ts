// EndpointSlice controller (upstream pkg/controller/endpointslice): keeps each selector
// Service's slices equal to its selected pods, level-based on the shared informers. Pod
// changes (readiness above all) reach every Service of the namespace whose selector matches
// the pod before or after the change, coalesced (100 ms). A Service without a selector is
// left alone (its slices are the user's); a deleted Service's slices go by ownerReference.

import type { ApiClient } from '../api/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../api/errors.js';
import { fromLabelSelector, matches } from '../../shared/api/labels.js';
import type { EndpointSlice, Service } from '../../shared/api/service.js';
import type { Pod } from '../../shared/api/types.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import type { Informer } from '../informers/informer.js';
import { keyOf, newControllerRef, splitKey } from './controller-ref.js';
import { type DesiredSlice, desiredSlices } from './endpointslice/desired.js';
import { indexManagedSlices, managedSliceServiceKey, managedSlices } from './endpointslice/managed.js';
import { type Controller, type Result, Runner, type RunnerOptions } from './runner.js';

export interface EndpointSliceControllerOptions {
  client: ApiClient;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
}

const selects = (svc: Service, p: Pod | undefined) =>
  !!p &&
  !!svc.spec.selector &&
  matches(fromLabelSelector({ matchLabels: svc.spec.selector }), p.metadata.labels);

/** What the controller owns of a slice: equal = nothing to write. */
const comparable = (s: Pick<EndpointSlice, 'endpoints' | 'ports'> & { labels?: Record<string, string> }) =>
  JSON.stringify([s.labels, s.ports ?? [], s.endpoints ?? []]);

export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice';
  private readonly runner: Runner;
  private readonly log: Logger;
  private readonly informers: InformerUse;
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly slices: Informer<EndpointSlice>;

  constructor(private readonly opts: EndpointSliceControllerOptions) {
    this.log = opts.log ?? createLogger('controller/endpointslice');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.services = this.informers.factory.informer<Service>('services');
    this.pods = this.informers.factory.informer<Pod>('pods');
    this.slices = this.informers.factory.informer<EndpointSlice>('endpointslices');
    indexManagedSlices(this.slices);
  }

  idle(): boolean {
    return this.runner.idle();
  }

  async start(): Promise<void> {
    await this.informers.watch<Service>('services', { onChange: (_t, s) => this.runner.add(keyOf(s)) });
    await this.informers.watch<Pod>('pods', { onChange: (_t, p, old) => this.onPod(p, old) });
    // A slice changed or removed by someone else is put back.
    await this.informers.watch<EndpointSlice>('endpointslices', {
      onChange: (_t, s) => {
        const key = managedSliceServiceKey(s);
        if (key) this.runner.addCoalesced(key);
      },
    });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  private onPod(p: Pod, old: Pod | undefined): void {
    for (const svc of this.services.inNamespace(p.metadata.namespace ?? ''))
      if (selects(svc, p) || selects(svc, old)) this.runner.addCoalesced(keyOf(svc));
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const { namespace: ns, name } = splitKey(key);
    const svc = this.services.get(key);
    const existing = managedSlices(this.slices, ns, name);
    const want: DesiredSlice[] =
      svc?.spec.selector && !svc.metadata.deletionTimestamp
        ? desiredSlices(
            svc,
            this.pods.inNamespace(ns).filter((p) => selects(svc, p)),
          )
        : [];
    try {
      for (const d of want) {
        const cur = existing.find((s) => s.metadata.name === d.name);
        if (cur && comparable({ ...cur, labels: cur.metadata.labels }) === comparable(d)) continue;
        const body: EndpointSlice = {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            ...(cur?.metadata ?? {}),
            name: d.name,
            namespace: ns,
            labels: d.labels,
            ownerReferences: svc ? [newControllerRef({ ...svc, apiVersion: 'v1', kind: 'Service' })] : [],
          },
          addressType: 'IPv4',
          endpoints: d.endpoints,
          ports: d.ports,
        };
        if (cur) await this.opts.client.update<EndpointSlice>('endpointslices', ns, body);
        else await this.opts.client.create<EndpointSlice>('endpointslices', ns, body);
      }
      for (const s of existing)
        if (!want.some((d) => d.name === s.metadata.name))
          await this.opts.client
            .delete('endpointslices', ns, s.metadata.name ?? '')
            .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
    } catch (e) {
      // The informer was behind our own write: look again once it caught up.
      if (isConflict(e) || isAlreadyExists(e)) return { requeue: true };
      if (isNotFound(e)) return { requeue: true };
      throw e;
    }
    return undefined;
  }
}
