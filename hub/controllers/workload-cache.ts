// A small informer for the workload controllers: list, then watch from the list's
// resourceVersion, keeping the latest object per ns/name. When the watch ends (410 Gone after
// compaction, or an error) it re-lists and reports the difference, so handlers never miss a
// deletion.

import type { ApiClient, ApiWatch } from '../api/client.js';
import type { KubeObject, WatchEventType } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';
import { keyOf } from './controller-ref.js';

/** Wait before re-listing after a watch ended, ms. */
export const RELIST_DELAY_MS = 1000;

export type InformerHandler<T> = (type: WatchEventType, obj: T, old: T | undefined) => void;

export class Informer<T extends KubeObject> {
  readonly items = new Map<string, T>();
  private watch?: ApiWatch;
  private stopped = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly client: ApiClient,
    private readonly resource: string,
    private readonly handler: InformerHandler<T>,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const list = await this.client.list<T>(this.resource, undefined);
    const seen = new Set<string>();
    for (const o of list.items) {
      const k = keyOf(o);
      seen.add(k);
      const old = this.items.get(k);
      this.items.set(k, o);
      this.handler(old ? 'MODIFIED' : 'ADDED', o, old);
    }
    for (const [k, o] of [...this.items]) {
      if (seen.has(k)) continue;
      this.items.delete(k);
      this.handler('DELETED', o, o);
    }
    this.watch = await this.client.watch<T>(
      this.resource,
      undefined,
      { resourceVersion: list.metadata.resourceVersion },
      (ev) => this.onEvent(ev.type, ev.object),
      (err) => {
        if (this.stopped) return;
        this.log.info('watch ended; re-listing', { resource: this.resource, error: err });
        this.timer = setTimeout(() => {
          this.start().catch((e: unknown) =>
            this.log.warn('re-list failed', { resource: this.resource, error: e as Error }),
          );
        }, RELIST_DELAY_MS);
      },
    );
    if (this.stopped) this.watch.close();
  }

  private onEvent(type: WatchEventType, obj: T): void {
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
    const k = keyOf(obj);
    const old = this.items.get(k);
    if (type === 'DELETED') this.items.delete(k);
    else this.items.set(k, obj);
    this.handler(type, obj, old);
  }

  /** Objects in one namespace. */
  inNamespace(ns: string): T[] {
    return [...this.items.values()].filter((o) => o.metadata.namespace === ns);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.watch?.close();
  }
}
