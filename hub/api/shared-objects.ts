// Stored objects decoded once and serialized once, whatever the number of their readers (as
// kube-apiserver's watch cache decodes each event once for all its watchers, and its
// cachingObject serializes it once per encoding).
// - A store event reaches every watcher of its prefix with the same KeyValue
//   (store/watch-fanout.ts): the first watcher to read it gets the object, every other watcher
//   of the event that very object. Its JSON text is made the first time a watch stream sends
//   it and reused by every other stream of the event (sharedJson).
// - The object of an event the API itself wrote is not parsed at all: the writer leaves a copy
//   of what it stores (writing()), and the event's first reader takes that copy.
// - A read of a key at the revision of its last event (the update path's read-modify-write)
//   takes the event's object instead of parsing the value again (stored()).
// Shared objects are never changed in place (the informers' rule: copy, then change the copy;
// an informer pooling their strings (shared/intern.ts) replaces values by equal ones). In the
// test suite they are pooled and deep-frozen before anyone sees them, so a reader that mutates
// one throws instead of changing what every other reader sees.

import type { KubeObject } from '../../shared/api/types.js';
import { deepFreeze, freezeShared } from '../../shared/deep-freeze.js';
import { processStrings } from '../../shared/intern.js';
import { jsonClone } from '../../shared/json-clone.js';
import type { KeyValue } from '../store/store.js';
import { asServed, fromKv } from './meta.js';
import { apiVersionOf, type ResourceDef } from './resource.js';

/** One decoded value, the version it was decoded as ('' for every built-in kind), its revision. */
interface Decoded {
  readonly version: string;
  readonly object: KubeObject;
  readonly revision: number;
}

/** Values decoded lately that are kept for the other watchers of their event. */
const RECENT = 2;

/** Keys whose last event's object is kept for reads; past this the table starts over. */
export const MAX_LATEST = 50_000;

/**
 * The last object serialized and its text. A store event reaches all its watch streams in one
 * synchronous pass (store/watch-fanout.ts), so one entry serves them all; a table per object
 * would keep the text of every object an informer holds alive as long as the object.
 */
let lastSerialized: { object: object; json: string } | undefined;
const freeze = freezeShared();

/** Decodes, copies taken from writers, reads answered from an event, serializations (for tests). */
export const sharedObjectCounts = { decoded: 0, written: 0, stored: 0, serialized: 0 };

/** JSON.stringify(o), made once for consecutive callers: for objects never changed in place (shared ones). */
export function sharedJson(o: object): string {
  if (lastSerialized?.object === o) return lastSerialized.json;
  const json = JSON.stringify(o);
  lastSerialized = { object: o, json };
  sharedObjectCounts.serialized++;
  return json;
}

/** A custom resource is served in the version asked for (fromKv sets its apiVersion). */
const versionOf = (def: ResourceDef) => (def.custom ? apiVersionOf(def) : '');

/** One API server's shared objects (its store's revisions are what the tables are keyed by). */
export class SharedObjects {
  /**
   * The last values decoded, newest first: an event's value and its previous value (asked in
   * turn by watches with selectors). Every watcher of an event is called in one synchronous pass
   * (store/watch-fanout.ts), so two entries serve them all, without a table keyed by every
   * event (a WeakMap entry per event is churn for the collector).
   */
  private readonly recent: (Decoded & { readonly kv: KeyValue })[] = [];
  /**
   * Copies of the objects being written, by store key, with their stored text, until their
   * event is read. Keyed by the key, not the text: hashing a pod's 2-3 KB of JSON cost more
   * than the rest of the bookkeeping; the text, compared when the event comes, tells a later
   * write's event (of another text) from this one.
   */
  private readonly beingWritten = new Map<string, { value: string; copy: KubeObject }>();
  /** Per store key, its last event's object (put events only). */
  private readonly latest = new Map<string, Decoded>();

  /**
   * The object of a store event's value (or of its previous value): the same object for every
   * caller with the same kv. deleted: the event removed kv.key (its object is no current one).
   */
  ofEvent<T extends KubeObject = KubeObject>(kv: KeyValue, def: ResourceDef, deleted = false): T {
    const version = versionOf(def);
    const held = this.recent.find((r) => r.kv === kv);
    if (held?.version === version) return held.object as T;
    const object = this.decode(kv, def);
    const d = { kv, version, object, revision: kv.modRevision };
    // One version per value: watches of one custom resource in two versions decode each their own.
    if (!held) {
      this.recent.unshift(d);
      if (this.recent.length > RECENT) this.recent.pop();
    }
    if (deleted) this.latest.delete(kv.key);
    else if ((this.latest.get(kv.key)?.revision ?? 0) < kv.modRevision) {
      if (this.latest.size >= MAX_LATEST) this.latest.clear();
      this.latest.set(kv.key, { version, object, revision: kv.modRevision });
    }
    return object as T;
  }

  /**
   * The object stored at kv (a get's answer), for a reader that only reads it: the object of
   * the key's last event when that is kv's revision (shared), else decoded for this caller.
   */
  stored<T extends KubeObject = KubeObject>(kv: KeyValue, def?: ResourceDef): T {
    return (this.held(kv, def) ?? fromKv(kv, def)) as T;
  }

  /** The object stored at kv as a copy of the caller's own (a copy of the shared one: no parse). */
  copy<T extends KubeObject = KubeObject>(kv: KeyValue, def?: ResourceDef): T {
    const held = this.held(kv, def);
    return (held ? jsonClone(held) : fromKv(kv, def)) as T;
  }

  private held(kv: KeyValue, def: ResourceDef | undefined): KubeObject | undefined {
    const l = this.latest.get(kv.key);
    if (!l || l.revision !== kv.modRevision || l.version !== (def ? versionOf(def) : '')) return undefined;
    sharedObjectCounts.stored++;
    return l.object;
  }

  /**
   * Before a write of value to the store key: copy is the object it stores (toStored's form, a copy nobody else
   * holds), which the write's event then serves instead of parsing value. Returns the release,
   * to call once the write has settled (its event, if any watcher had one, has been read).
   */
  writing(key: string, value: string, copy: KubeObject): () => void {
    const entry = { value, copy };
    this.beingWritten.set(key, entry);
    return () => {
      if (this.beingWritten.get(key) === entry) this.beingWritten.delete(key);
    };
  }

  private decode(kv: KeyValue, def: ResourceDef): KubeObject {
    const w = this.beingWritten.get(kv.key);
    let object: KubeObject;
    // The same string object when the event is the write's (a pointer compare).
    if (w && w.value === kv.value) {
      // Taken once: a second event with the same text (a later write of the key) parses.
      this.beingWritten.delete(kv.key);
      object = asServed(w.copy, kv, def);
      sharedObjectCounts.written++;
    } else {
      object = fromKv(kv, def);
      sharedObjectCounts.decoded++;
    }
    // Frozen (the test suite): pooled first, as nobody can after. Otherwise the informers that
    // hold it pool its strings, in place (the same values).
    if (freeze) {
      processStrings.internValues(object);
      deepFreeze(object);
    }
    return object;
  }
}
