// Shared informers (client-go's SharedInformerFactory): components of one hub process ask the
// factory for a resource's informer and all get the same one, so each resource is listed and
// watched once. A component adds its handlers and removes them when it stops; the factory's
// owner stops the informers. Every informer carries the standard indexes (indexes.ts), so a
// controller asks `byIndex('pods', 'owner-uid', uid)` instead of listing the store.

import type { KubeObject } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';
import type { ApiClient } from '../api/client.js';
import { STANDARD_INDEXES } from './indexes.js';
import { Informer, type InformerHandlers, type InformerOptions } from './informer.js';
import { processStrings } from '../../shared/intern.js';

export class InformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly opts: InformerOptions;

  /** Unless opts.strings says otherwise, the informers pool strings in the process's pool (shared/intern.ts). */
  constructor(
    private readonly client: ApiClient,
    private readonly log: Logger,
    opts: InformerOptions = {},
  ) {
    this.opts = { strings: processStrings, ...opts };
  }

  /** The shared informer of a resource (plural, e.g. 'pods'); not started. */
  informer<T extends KubeObject>(resource: string): Informer<T> {
    let inf = this.informers.get(resource);
    if (!inf) {
      inf = new Informer<KubeObject>(this.client, resource, this.log.child(resource), this.opts);
      for (const [name, fn] of STANDARD_INDEXES) inf.addIndex(name, fn);
      this.informers.set(resource, inf);
    }
    // One informer per resource name, so the objects are of the caller's kind.
    return inf as unknown as Informer<T>;
  }

  /** Objects of resource held by its informer whose index `name` yields value (shared: never mutate). */
  byIndex<T extends KubeObject>(resource: string, name: string, value: string): T[] {
    return this.informer<T>(resource).byIndex(name, value);
  }

  /** Objects held per resource (for the memory gauges). */
  sizes(): { resource: string; objects: number }[] {
    return [...this.informers].map(([resource, inf]) => ({ resource, objects: inf.size() }));
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
    this.informers.clear();
  }
}

/** A component's use of a factory: handlers it added (removed on close) and, if it made the factory itself, the factory. */
export class InformerUse {
  private readonly removals: (() => void)[] = [];
  readonly factory: InformerFactory;
  private readonly owned: boolean;

  constructor(shared: InformerFactory | undefined, client: ApiClient, log: Logger) {
    this.owned = shared === undefined;
    this.factory = shared ?? new InformerFactory(client, log);
  }

  /** Adds handlers to the resource's informer and waits for its first list. */
  async watch<T extends KubeObject>(resource: string, handlers: InformerHandlers<T>): Promise<Informer<T>> {
    const inf = this.factory.informer<T>(resource);
    const remove = inf.addHandler(handlers);
    try {
      await inf.start();
    } catch (e) {
      remove();
      throw e;
    }
    this.removals.push(remove);
    return inf;
  }

  close(): void {
    for (const r of this.removals.splice(0)) r();
    if (this.owned) this.factory.stop();
  }
}
