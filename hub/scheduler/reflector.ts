// List + watch one resource through the ApiClient and keep a consumer in step (client-go's
// Reflector): list, hand over the full set, watch from the list's resourceVersion; when a
// watch ends, resume from the last resourceVersion seen; on 410 Gone (history compacted) list
// again and hand over the full set, so the consumer converges whatever was missed.

import type { KubeObject, Status, WatchEvent } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';
import type { ApiClient, ApiWatch } from '../api/client.js';
import { isApiError } from '../api/errors.js';

export interface ReflectorHandlers<T extends KubeObject> {
  /** The complete current set (initial list and every relist). */
  replace(items: T[]): void;
  /** One watch event (ADDED, MODIFIED, DELETED). */
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void;
}

export interface ReflectorOptions {
  /** Pause before re-watching or re-listing after a failure, ms. */
  retryDelayMs?: number;
}

export const REFLECTOR_RETRY_DELAY_MS = 1_000;

function isGone(e: unknown): boolean {
  return isApiError(e) && e.code === 410;
}

export class Reflector<T extends KubeObject> {
  private resourceVersion = '';
  private watch: ApiWatch | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly retryDelayMs: number;

  constructor(
    private readonly client: ApiClient,
    private readonly resource: string,
    private readonly handlers: ReflectorHandlers<T>,
    private readonly log: Logger,
    opts: ReflectorOptions = {},
  ) {
    this.retryDelayMs = opts.retryDelayMs ?? REFLECTOR_RETRY_DELAY_MS;
  }

  /** Resolves once the first list has been handed over and the watch is running. */
  async start(): Promise<void> {
    await this.listAndWatch();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.watch?.close();
    this.watch = undefined;
  }

  private async listAndWatch(): Promise<void> {
    const list = await this.client.list<T>(this.resource, undefined);
    if (this.stopped) return;
    this.resourceVersion = list.metadata.resourceVersion ?? '';
    this.handlers.replace(list.items);
    await this.startWatch();
  }

  private async startWatch(): Promise<void> {
    let ended = false;
    const onEvent = (ev: WatchEvent<T>) => {
      if (ended || this.stopped) return;
      if (ev.type === 'ERROR') {
        const status = ev.object as unknown as Status;
        ended = true;
        this.watch?.close();
        this.restart(status.code === 410);
        return;
      }
      if (ev.type === 'BOOKMARK') {
        this.resourceVersion = ev.object.metadata.resourceVersion ?? this.resourceVersion;
        return;
      }
      this.resourceVersion = ev.object.metadata.resourceVersion ?? this.resourceVersion;
      this.handlers.event(ev.type, ev.object);
    };
    const onEnd = (err?: Error) => {
      if (ended || this.stopped) return;
      ended = true;
      this.restart(isGone(err));
    };
    try {
      this.watch = await this.client.watch<T>(
        this.resource,
        undefined,
        { resourceVersion: this.resourceVersion },
        onEvent,
        onEnd,
      );
      if (this.stopped) this.watch.close();
    } catch (e) {
      if (this.stopped) return;
      if (!isGone(e)) throw e;
      this.log.info('watch history compacted, relisting', { resource: this.resource });
      await this.listAndWatch();
    }
  }

  private restart(relist: boolean): void {
    if (this.stopped) return;
    this.log.info(relist ? 'watch expired, relisting' : 'watch ended, resuming', {
      resource: this.resource,
      resourceVersion: this.resourceVersion,
    });
    const run = async () => {
      this.retryTimer = undefined;
      if (this.stopped) return;
      try {
        if (relist) await this.listAndWatch();
        else await this.startWatch();
      } catch (e) {
        this.log.warn('list/watch failed, retrying', { resource: this.resource, error: e as Error });
        this.retryTimer = setTimeout(run, this.retryDelayMs);
        relist = relist || isGone(e);
      }
    };
    // Resume at once after a clean end; after an error, the retry delay applies.
    void run();
  }
}
