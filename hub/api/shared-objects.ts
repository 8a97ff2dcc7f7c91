// Watch objects decoded once and serialized once, whatever the number of watchers (as
// kube-apiserver's watch cache decodes each event once for all its watchers, and its
// cachingObject serializes it once per encoding). The store hands one event to every watcher of
// its prefix with the same KeyValue (store/watch-fanout.ts): the first watcher to read it parses
// the value, and every other watcher of the event gets that same object. Its JSON text is made
// the first time a watch stream sends it and reused by every other stream.
// The object is shared, so nobody may change it in place (the informers' rule: copy, then
// change the copy). Its strings are pooled (shared/intern.ts) before anyone sees it, and in the
// test suite it is deep-frozen, so a watcher that mutates it throws instead of changing what
// every other watcher sees.

import type { KubeObject } from '../../shared/api/types.js';
import { deepFreeze, freezeShared } from '../../shared/deep-freeze.js';
import { processStrings } from '../../shared/intern.js';
import type { KeyValue } from '../store/store.js';
import { fromKv } from './meta.js';
import { apiVersionOf, type ResourceDef } from './resource.js';

/** One decoded value and the version it was decoded as ('' for every built-in kind). */
interface Decoded {
  readonly version: string;
  readonly object: KubeObject;
}

const decoded = new WeakMap<KeyValue, Decoded>();
const serialized = new WeakMap<object, string>();
const freeze = freezeShared();

/** Decodes and serializations done (not answered from the cache), for tests. */
export const sharedObjectCounts = { decoded: 0, serialized: 0 };

/**
 * kv's object as served through def, the same object for every caller with the same kv (a
 * store event's value or its previous value). Shared: never mutate it.
 */
export function sharedObject<T extends KubeObject = KubeObject>(kv: KeyValue, def: ResourceDef): T {
  // A custom resource is served in the version the watch asked for (fromKv sets apiVersion).
  const version = def.custom ? apiVersionOf(def) : '';
  const held = decoded.get(kv);
  if (held?.version === version) return held.object as T;
  const object = fromKv<T>(kv, def);
  processStrings.internValues(object);
  if (freeze) deepFreeze(object);
  sharedObjectCounts.decoded++;
  // One version per value: watches of one custom resource in two versions decode each their own.
  if (!held) decoded.set(kv, { version, object });
  return object;
}

/** JSON.stringify(o), made once per object: for objects never changed in place (shared ones). */
export function sharedJson(o: object): string {
  let s = serialized.get(o);
  if (s === undefined) {
    s = JSON.stringify(o);
    serialized.set(o, s);
    sharedObjectCounts.serialized++;
  }
  return s;
}
