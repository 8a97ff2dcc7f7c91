// The Store interface: Drover's etcd role. A revisioned key-value map with one global
// revision counter; every write bumps it and stamps the written key with it (modRevision).
// Backends: SQLite (sqlite.ts, the embedded default) and, later, NATS JetStream KV, where
// the stream sequence is the global revision. Callers depend only on this file.

export interface KeyValue {
  key: string;
  /** Serialized object (JSON text). The store never interprets it. */
  value: string;
  /** Revision at which the key was created (etcd create_revision). */
  createRevision: number;
  /** Revision of the last write to the key (etcd mod_revision); the API's resourceVersion. */
  modRevision: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The store revision the list is consistent with: watch from here to miss nothing. */
  revision: number;
}

export type StoreEventType = 'put' | 'delete';

export interface StoreEvent {
  type: StoreEventType;
  /** For put: the new value. For delete: the last value, with modRevision = the delete's revision. */
  kv: KeyValue;
  /** The value before this event, when there was one. */
  prev?: KeyValue;
  /** Revision of this event (== kv.modRevision). */
  revision: number;
}

export interface Watcher {
  /** Stops delivery; idempotent. */
  close(): void;
}

export interface WatchOptions {
  /** Deliver events with revision > afterRevision. 0 or undefined = only new events. */
  afterRevision?: number;
  /** Called once if the watch ends for a reason other than close() (store closed, fell behind). */
  onEnd?: (err?: Error) => void;
}

export interface ListOptions {
  /** Return at most this many items (in key order). */
  limit?: number;
  /** Return keys strictly after this key (for pagination). */
  startAfter?: string;
}

/** How a write may wait to share its commit with others. */
export interface WriteHints {
  /**
   * Commit at the end of this event-loop turn, with every write the turn's I/O callbacks issue
   * (API requests that arrived together share one fsync), instead of at the next microtask
   * checkpoint (the default for a turn's first commit; the SQLite store sends later writes of
   * the turn to the end-of-turn commit as well).
   */
  endOfTurn?: boolean;
}

export interface Store {
  /** Current global revision (last write). */
  revision(): Promise<number>;
  get(key: string): Promise<KeyValue | undefined>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Creates key; throws KeyExistsError if present. */
  create(key: string, value: string, hints?: WriteHints): Promise<KeyValue>;
  /**
   * Replaces key. With expectedModRevision, compare-and-swap: throws RevisionConflictError when
   * the stored modRevision differs. Throws KeyNotFoundError when the key is absent.
   */
  update(key: string, value: string, expectedModRevision?: number, hints?: WriteHints): Promise<KeyValue>;
  /** Deletes key, CAS like update; returns the deleted value (modRevision = delete revision). */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /**
   * Streams events for keys under prefix, in revision order, starting after opts.afterRevision.
   * Throws CompactedError (synchronously, via rejected promise) when afterRevision < the
   * compacted revision.
   */
  watch(prefix: string, onEvent: (ev: StoreEvent) => void, opts?: WatchOptions): Promise<Watcher>;
  /** Forgets history at or below revision; watches from there fail with CompactedError. */
  compact(revision: number): Promise<void>;
  /** Lowest revision a watch may start after. */
  compactedRevision(): Promise<number>;
  /** Writes a consistent copy of the whole store to path (restore with the backend's restore()). */
  snapshot(path: string): Promise<void>;
  close(): Promise<void>;
}
