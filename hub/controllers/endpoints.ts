// Endpoints controller (upstream pkg/controller/endpoint): keeps one core/v1 Endpoints per
// selector Service, named as the Service, equal to the Service's EndpointSlices
// (endpoints/desired.ts), level-based on the shared informers. A Service that is gone, being
// deleted or has no selector has no Endpoints (the kind is read-only here: see
// hub/api/resources/endpoints.ts); an Endpoints changed or removed by anyone else is put back.

import type { ApiClient } from '../api/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../api/errors.js';
import type { Endpoints } from '../../shared/api/endpoints.js';
import type { EndpointSlice, Service } from '../../shared/api/service.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import type { Informer } from '../informers/informer.js';
import { keyOf, splitKey } from './controller-ref.js';
import { desiredEndpoints } from './endpoints/desired.js';
import { indexManagedSlices, managedSliceServiceKey, managedSlices } from './endpointslice/managed.js';
import { type Controller, type Result, Runner, type RunnerOptions } from './runner.js';

export interface EndpointsControllerOptions {
  client: ApiClient;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
}

/** What the controller owns of an Endpoints: equal = nothing to write. */
const comparable = (e: Pick<Endpoints, 'subsets'> & { labels?: object; annotations?: object }) =>
  JSON.stringify([e.labels ?? {}, e.annotations ?? {}, e.subsets ?? []]);

export class EndpointsController implements Controller {
  readonly name = 'endpoints';
  private readonly runner: Runner;
  private readonly log: Logger;
  private readonly informers: InformerUse;
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly endpoints: Informer<Endpoints>;

  constructor(private readonly opts: EndpointsControllerOptions) {
    this.log = opts.log ?? createLogger('controller/endpoints');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.services = this.informers.factory.informer<Service>('services');
    this.slices = this.informers.factory.informer<EndpointSlice>('endpointslices');
    indexManagedSlices(this.slices);
    this.endpoints = this.informers.factory.informer<Endpoints>('endpoints');
  }

  idle(): boolean {
    return this.runner.idle();
  }

  async start(): Promise<void> {
    await this.informers.watch<Service>('services', { onChange: (_t, s) => this.runner.add(keyOf(s)) });
    await this.informers.watch<EndpointSlice>('endpointslices', {
      onChange: (_t, s) => {
        const key = managedSliceServiceKey(s);
        if (key) this.runner.addCoalesced(key);
      },
    });
    await this.informers.watch<Endpoints>('endpoints', {
      onChange: (_t, e) => this.runner.addCoalesced(keyOf(e)),
    });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const { namespace: ns, name } = splitKey(key);
    const svc = this.services.get(key);
    const cur = this.endpoints.get(key);
    try {
      if (!svc?.spec.selector || svc.metadata.deletionTimestamp) {
        if (cur) await this.opts.client.delete('endpoints', ns, name);
        return undefined;
      }
      const slices = managedSlices(this.slices, ns, name);
      const want = desiredEndpoints(svc, slices);
      if (cur && comparable({ ...cur, ...cur.metadata }) === comparable(want)) return undefined;
      const body: Endpoints = {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: {
          ...(cur?.metadata ?? {}),
          name,
          namespace: ns,
          labels: want.labels,
          annotations: want.annotations,
        },
        subsets: want.subsets,
      };
      if (cur) await this.opts.client.update<Endpoints>('endpoints', ns, body);
      else await this.opts.client.create<Endpoints>('endpoints', ns, body);
    } catch (e) {
      // The informer was behind our own write: look again once it caught up.
      if (isConflict(e) || isAlreadyExists(e) || isNotFound(e)) return { requeue: true };
      throw e;
    }
    return undefined;
  }
}
