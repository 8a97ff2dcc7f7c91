// When a watch on pods first saw each pod bound to a node (spec.nodeName set), Running
// (status.phase), and deleted: what the pod startup benchmark times. Times are Date.now() at
// the moment the event arrived.

import type { ApiClient, ApiWatch } from '../../hub/api/client.js';
import type { Pod } from '../../shared/api/types.js';

export interface PodTimes {
  boundAt?: number;
  node?: string;
  runningAt?: number;
  deletedAt?: number;
}

export class PodWatchTimeoutError extends Error {
  override name = 'PodWatchTimeoutError';
}

export class PodWatch {
  readonly times = new Map<string, PodTimes>();
  private watch?: ApiWatch;
  private ended?: Error;

  constructor(
    private readonly client: ApiClient,
    private readonly namespace: string,
    private readonly labelSelector: string,
  ) {}

  /** Starts watching from now (pods created before are not seen). */
  async start(): Promise<void> {
    const list = await this.client.list<Pod>('pods', this.namespace, { labelSelector: this.labelSelector });
    this.watch = await this.client.watch<Pod>(
      'pods',
      this.namespace,
      { labelSelector: this.labelSelector, resourceVersion: list.metadata?.resourceVersion },
      (ev) => {
        const name = ev.object.metadata?.name;
        if (!name) return;
        const at = Date.now();
        const t = this.times.get(name) ?? {};
        this.times.set(name, t);
        if (ev.type === 'DELETED') {
          t.deletedAt ??= at;
          return;
        }
        if (ev.object.spec?.nodeName && t.boundAt === undefined) {
          t.boundAt = at;
          t.node = ev.object.spec.nodeName;
        }
        if (ev.object.status?.phase === 'Running') t.runningAt ??= at;
      },
      (err) => {
        this.ended = err ?? new Error('pod watch ended');
      },
    );
  }

  /** Polls (cheaply, in memory) until pred holds for every named pod; throws at the deadline. */
  async waitAll(names: readonly string[], pred: (t: PodTimes) => boolean, what: string, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = names.filter((n) => !pred(this.times.get(n) ?? {}));
      if (missing.length === 0) return;
      if (this.ended) throw this.ended;
      if (Date.now() > deadline)
        throw new PodWatchTimeoutError(
          `${missing.length}/${names.length} pods not ${what} within ${timeoutMs} ms (e.g. ${missing.slice(0, 3).join(', ')})`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): void {
    this.watch?.close();
  }
}
