// One informer per (collection, selector) for the whole page, kept while some view uses it
// (client-go's SharedInformerFactory): the overview, the board page and the workloads page
// read the same nodes and pods without listing twice.

import type { KubeObject } from '../../../shared/api/types.js';
import { Informer } from './informer.js';

interface Entry {
  informer: Informer<KubeObject>;
  users: number;
}

const entries = new Map<string, Entry>();

function entry(path: string, query: string): Entry {
  const k = `${path}?${query}`;
  let e = entries.get(k);
  if (!e) {
    e = { informer: new Informer<KubeObject>(path, query), users: 0 };
    entries.set(k, e);
  }
  return e;
}

/** The informer for a render (started if new); a view holds it with acquire/release around its life. */
export function peek<T extends KubeObject>(path: string, query = ''): Informer<T> {
  return entry(path, query).informer as unknown as Informer<T>;
}

export function acquire<T extends KubeObject>(path: string, query = ''): Informer<T> {
  const e = entry(path, query);
  e.users++;
  return e.informer as unknown as Informer<T>;
}

export function release(path: string, query = ''): void {
  const k = `${path}?${query}`;
  const e = entries.get(k);
  if (!e || --e.users > 0) return;
  e.informer.stop();
  entries.delete(k);
}

/** Stops every informer (sign-out). */
export function releaseAll(): void {
  for (const e of entries.values()) e.informer.stop();
  entries.clear();
}
