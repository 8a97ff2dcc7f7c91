// watch: store events -> ADDED/MODIFIED/DELETED, filtered by selectors the way the
// apiserver's watch cache does (an object that stops matching yields DELETED, one that starts
// matching yields ADDED). Compacted start revision -> 410 Gone (reason Expired). An event's
// objects are decoded once for every watch that gets it (../shared-objects.ts): shared, so
// read-only for every watcher.

import type { KubeObject, WatchEvent } from '../../../shared/api/types.js';
import { CompactedError } from '../../store/errors.js';
import type { StoreEvent } from '../../store/store.js';
import type { ApiWatch, WatchOptions } from '../client.js';
import type { ApiCore } from '../core.js';
import { BadRequestError, GoneError } from '../errors.js';
import { fromKv, storePrefix } from '../meta.js';
import { apiVersionOf, type ResourceDef } from '../resource.js';
import { MATCH_ALL, objectFilter } from './selectors.js';

/** Store page size for the initial events of a watch (keys). */
const INITIAL_PAGE = 500;

/** A watch that can say how far it has read (for BOOKMARK events). */
export interface ObjectWatch extends ApiWatch {
  /**
   * The revision this watch has read through: its start, or the last store event of its prefix
   * (matching the selectors or not). A client resuming from it misses nothing; a quiet prefix
   * keeps the revision it started from.
   */
  revision(): number;
}

/** A BOOKMARK's object: only the kind and a resourceVersion, as kube-apiserver sends it. */
export function bookmarkObject(def: ResourceDef, revision: number, initialEventsEnd = false): KubeObject {
  return {
    apiVersion: apiVersionOf(def),
    kind: def.kind,
    metadata: {
      resourceVersion: String(revision),
      ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
    },
  };
}

export function goneFor(e: CompactedError): GoneError {
  return new GoneError(`too old resource version: ${e.requested} (${e.compacted + 1})`);
}

export async function watchObjects(
  core: ApiCore,
  def: ResourceDef,
  ns: string | undefined,
  opts: WatchOptions,
  onEvent: (ev: WatchEvent<KubeObject>) => void,
  onEnd?: (err?: Error) => void,
  /** Ends the initial ADDED events with a BOOKMARK annotated k8s.io/initial-events-end. */
  initialEventsEndBookmark = false,
): Promise<ObjectWatch> {
  const filter = objectFilter(def, opts.labelSelector, opts.fieldSelector);
  const prefix = storePrefix(def, ns);
  let after: number;
  const rv = opts.resourceVersion;
  if (rv && rv !== '0') {
    if (!/^\d+$/.test(rv))
      throw new BadRequestError(
        `resourceVersion "${rv}" is not valid: it must be a resourceVersion returned by the API`,
      );
    after = Number(rv);
  } else if (opts.sendInitialEvents) {
    // List, then watch from the list's revision: nothing is missed or duplicated.
    const initial: KubeObject[] = [];
    let startAfter: string | undefined;
    let revision: number | undefined;
    for (;;) {
      const page = await core.store.list(prefix, {
        limit: INITIAL_PAGE,
        ...(startAfter ? { startAfter } : {}),
      });
      revision ??= page.revision;
      for (const kv of page.items) {
        const o = fromKv(kv, def);
        if (filter(o)) initial.push(o);
      }
      if (page.items.length < INITIAL_PAGE) break;
      startAfter = page.items[page.items.length - 1].key;
    }
    for (const o of initial) onEvent({ type: 'ADDED', object: o });
    after = revision ?? 0;
    if (initialEventsEndBookmark) onEvent({ type: 'BOOKMARK', object: bookmarkObject(def, after, true) });
  } else {
    after = await core.store.revision();
  }
  let readThrough = after;
  const deliver = (ev: StoreEvent) => {
    readThrough = ev.revision;
    const cur = core.objects.ofEvent(ev.kv, def, ev.type === 'delete');
    // Without selectors the previous value only tells whether there was one: not decoded.
    const prevMatch =
      ev.prev !== undefined && (filter === MATCH_ALL || filter(core.objects.ofEvent(ev.prev, def)));
    if (ev.type === 'delete') {
      if (ev.prev ? prevMatch : filter(cur)) onEvent({ type: 'DELETED', object: cur });
      return;
    }
    const curMatch = filter(cur);
    if (curMatch && prevMatch) onEvent({ type: 'MODIFIED', object: cur });
    else if (curMatch) onEvent({ type: 'ADDED', object: cur });
    else if (prevMatch) onEvent({ type: 'DELETED', object: cur });
  };
  let closed = false;
  core.watchers?.inc();
  const done = () => {
    if (!closed) {
      closed = true;
      core.watchers?.dec();
    }
  };
  try {
    const w = await core.store.watch(prefix, deliver, {
      afterRevision: after,
      onEnd: (err) => {
        done();
        onEnd?.(err);
      },
    });
    return {
      close() {
        done();
        w.close();
      },
      revision: () => readThrough,
    };
  } catch (e) {
    done();
    if (e instanceof CompactedError) throw goneFor(e);
    throw e;
  }
}
