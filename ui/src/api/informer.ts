// The dashboard's list+watch cache (client-go's informer, in the browser): list in pages with
// limit/continue, then watch from the list's resourceVersion; a dropped stream resumes from
// the last version seen, a 410 Gone relists. Subscribers are told at most once per animation
// frame, so a burst of events (10,000 boards heartbeating status) costs one render.

import type { KubeObject, ListMeta, Status, WatchEvent } from '../../../shared/api/types.js';
import { getJson } from './client.js';
import { ApiError, UnauthorizedError } from './errors.js';
import { readWatch } from './watch.js';

/** Objects per LIST page (kubectl's default chunk size). */
export const LIST_PAGE_SIZE = 500;
/** Wait before re-watching after a stream error, ms (doubles to the max). */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 15_000;

interface List<T> {
  metadata: ListMeta;
  items: T[];
}

export function objectKey(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata.name ?? '');
}

export type InformerState = 'listing' | 'watching' | 'retrying' | 'error';

export class Informer<T extends KubeObject> {
  readonly items = new Map<string, T>();
  state: InformerState = 'listing';
  error?: string;
  /** Bumped on every change: a cheap "did anything change" for renders. */
  version = 0;
  /** Bumped when the set of keys changes (an object added or deleted, a relist): views that
   * order by name re-sort only then. */
  membership = 0;
  private rv = '';
  private readonly subs = new Set<() => void>();
  private readonly abort = new AbortController();
  private frame = 0;

  /** path: the collection, e.g. /api/v1/nodes; query: extra selectors (labelSelector=...). */
  constructor(
    readonly path: string,
    readonly query = '',
  ) {
    void this.run();
  }

  subscribe(fn: () => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }

  stop(): void {
    this.abort.abort();
    cancelAnimationFrame(this.frame);
  }

  private changed(): void {
    this.version++;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      for (const fn of this.subs) fn();
    });
  }

  private url(params: string): string {
    const q = [this.query, params].filter(Boolean).join('&');
    return q ? `${this.path}?${q}` : this.path;
  }

  private async list(): Promise<void> {
    this.state = 'listing';
    const seen = new Map<string, T>();
    let cont = '';
    let rv = '';
    do {
      const page = await getJson<List<T>>(
        this.url(`limit=${LIST_PAGE_SIZE}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`),
        this.abort.signal,
      );
      for (const o of page.items) seen.set(objectKey(o), o);
      cont = page.metadata.continue ?? '';
      rv = page.metadata.resourceVersion ?? rv;
    } while (cont);
    this.items.clear();
    for (const [k, o] of seen) this.items.set(k, o);
    this.membership++;
    this.rv = rv;
    this.changed();
  }

  private async run(): Promise<void> {
    let delay = RETRY_MIN_MS;
    let needList = true;
    while (!this.abort.signal.aborted) {
      try {
        if (needList) await this.list();
        needList = false;
        this.state = 'watching';
        this.error = undefined;
        this.changed();
        await readWatch<T>(
          this.url(`watch=1&allowWatchBookmarks=true&resourceVersion=${this.rv}`),
          this.abort.signal,
          (ev) => this.apply(ev),
        );
        delay = RETRY_MIN_MS; // a clean end (server timeout): resume at once
      } catch (e) {
        if (this.abort.signal.aborted) return;
        if (e instanceof UnauthorizedError) {
          this.state = 'error';
          this.error = e.message;
          this.changed();
          return;
        }
        if (e instanceof ApiError && e.code === 410) needList = true;
        this.state = 'retrying';
        this.error = (e as Error).message;
        this.changed();
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(RETRY_MAX_MS, delay * 2);
      }
    }
  }

  private apply(ev: WatchEvent<T>): void {
    if (ev.type === 'ERROR') {
      const s = ev.object as unknown as Status;
      throw new ApiError(s.code ?? 500, s.reason ?? '', s.message ?? 'watch error');
    }
    const o = ev.object;
    if (o.metadata.resourceVersion) this.rv = o.metadata.resourceVersion;
    if (ev.type === 'BOOKMARK') return;
    const k = objectKey(o);
    if (ev.type === 'DELETED') {
      if (this.items.delete(k)) this.membership++;
    } else {
      if (!this.items.has(k)) this.membership++;
      this.items.set(k, o);
    }
    this.changed();
  }
}
