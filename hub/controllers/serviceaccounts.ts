// ServiceAccounts controller (upstream's serviceaccounts-controller in kube-controller-manager):
// every active namespace has a ServiceAccount named `default`; it is created with the
// namespace and again when someone deletes it. A terminating namespace gets none (its
// contents are going). Pods that name no serviceAccountName use it, so its imagePullSecrets
// apply to them (`kubectl patch serviceaccount default` as on Kubernetes). Keyed by namespace;
// reconcile re-reads the namespace and the account from the informers.

import type { ApiClient } from '../api/client.js';
import { isAlreadyExists, isNotFound } from '../api/errors.js';
import type { KubeObject, Namespace } from '../../shared/api/types.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import type { Informer } from '../informers/informer.js';
import { type Controller, Runner, type RunnerOptions } from './runner.js';

/** The account every namespace gets (upstream's DefaultServiceAccountsControllerOptions). */
export const DEFAULT_SERVICE_ACCOUNT = 'default';

export interface ServiceAccountsControllerOptions {
  client: ApiClient;
  log?: Logger;
  runner?: Omit<RunnerOptions, 'log'>;
  informers?: InformerFactory;
}

export class ServiceAccountsController implements Controller {
  readonly name = 'serviceaccounts';
  private readonly log: Logger;
  private readonly runner: Runner;
  private readonly informers: InformerUse;
  private readonly namespaces: Informer<Namespace>;
  private readonly accounts: Informer<KubeObject>;

  constructor(private readonly opts: ServiceAccountsControllerOptions) {
    this.log = opts.log ?? createLogger('controller/serviceaccounts');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.namespaces = this.informers.factory.informer<Namespace>('namespaces');
    this.accounts = this.informers.factory.informer<KubeObject>('serviceaccounts');
  }

  async start(): Promise<void> {
    await this.informers.watch<Namespace>('namespaces', {
      onChange: (type, ns) => {
        if (type !== 'DELETED' && ns.metadata.name) this.runner.add(ns.metadata.name);
      },
    });
    await this.informers.watch<KubeObject>('serviceaccounts', {
      onChange: (type, sa) => {
        if (type === 'DELETED' && sa.metadata.name === DEFAULT_SERVICE_ACCOUNT && sa.metadata.namespace)
          this.runner.add(sa.metadata.namespace);
      },
    });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  async reconcile(ns: string): Promise<void> {
    const namespace = this.namespaces.get(`/${ns}`);
    if (!namespace || namespace.metadata.deletionTimestamp) return;
    if (this.accounts.get(`${ns}/${DEFAULT_SERVICE_ACCOUNT}`)) return;
    try {
      await this.opts.client.create<KubeObject>('serviceaccounts', ns, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace: ns },
      });
      this.log.info('created the default ServiceAccount', { namespace: ns });
    } catch (e) {
      // There already (the informer lags our write or another's), or the namespace just went.
      if (!isAlreadyExists(e) && !isNotFound(e)) throw e;
    }
  }
}
