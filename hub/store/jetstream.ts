// NATS JetStream key-value backend of the Store, for several hubs over one Raft-replicated
// bucket. The bucket's stream sequence is the global revision: every write is one message, so
// it bumps the sequence by one and the message's sequence is the key's modRevision (and the
// API's resourceVersion). Compare-and-swap is the KV update's expected last subject sequence;
// create-only expects no message or a tombstone. Each hub reads from its mirror
// (jetstream-mirror.ts), fed by one ordered consumer; a read first waits for the mirror to
// reach the stream's head, so it sees every write acknowledged before it began, from any hub.
// Tombstones carry the deleted value (DELETED watch events carry the last object, as etcd's do).

import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  type ConsumerOptsBuilder,
  connect,
  consumerOpts,
  headers,
  type JetStreamClient,
  type JetStreamManager,
  type JetStreamSubscription,
  type JsMsg,
  type MsgHdrs,
  type NatsConnection,
  type StoredMsg,
} from 'nats';
import type { Logger } from '../../shared/log.js';
import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  NotAStoreError,
  RevisionConflictError,
  StoreClosedError,
  StoreError,
} from './errors.js';
import { replaceAtomically } from './replace-atomically.js';
import {
  RestoreTargetNotEmptyError,
  StoreUnavailableError,
  WriteContentionError,
} from './jetstream-errors.js';
import { decodeKey, encodeKey } from './jetstream-keys.js';
import { JetStreamMirror, type MirrorEntry, type MirrorRecord } from './jetstream-mirror.js';
import {
  type JetStreamStoreOptions,
  type ResolvedJetStreamStoreOptions,
  resolveJetStreamStoreOptions,
} from './jetstream-options.js';
import type { KeyValue, ListOptions, ListResult, Store, StoreEvent, WatchOptions, Watcher } from './store.js';

export type { JetStreamStoreOptions } from './jetstream-options.js';

/** Header naming the revision a key was created at (absent on a create: the message's own seq). */
const CREATE_REVISION = 'Drover-Create-Revision';
/** The NATS KV operation header: DEL marks a tombstone, PURGE a purge marker. */
const KV_OPERATION = 'KV-Operation';
/** JetStream's "wrong last sequence" error: the expected-last-subject-sequence check failed. */
const WRONG_LAST_SEQUENCE = 10071;
/** JetStream's "stream not found" error. */
const STREAM_NOT_FOUND = 10059;
/** Pause between attempts to open the store while the cluster is not ready, ms. */
const OPEN_RETRY_MS = 500;
/** An unconditional write retries its internal CAS this many times against racing hubs. */
const MAX_WRITE_ATTEMPTS = 8;
/** Restore pipelines this many publishes (padding messages included). */
const RESTORE_WINDOW = 256;
/** Subject (relative to the bucket) of restore's padding messages; encodeKey never makes it. */
const PAD_KEY = '=pad';
const SNAPSHOT_FORMAT = 'drover-jetstream-snapshot/1';
/**
 * Idle heartbeat of the mirror's ordered consumer, ms. Two missed heartbeats make the client
 * recreate the consumer after its last sequence: a stream leader lost with its server costs
 * the mirror about twice this.
 */
const MIRROR_HEARTBEAT_MS = 1_000;

const enc = new TextEncoder();
const dec = new TextDecoder();

interface SnapshotHeader {
  format: string;
  revision: number;
  compacted: number;
}

interface Plan {
  op: 'put' | 'delete';
  value: string;
  /** Undefined for a create: the new message's own sequence. */
  createRevision: number | undefined;
}

function apiErrorCode(err: unknown): number | undefined {
  return (err as { api_error?: { err_code?: number } })?.api_error?.err_code;
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: string | number })?.code === '404' || (err as { code?: number })?.code === 404;
}

function recordOf(key: string, seq: number, hdrs: MsgHdrs | undefined, data: Uint8Array): MirrorRecord {
  const op = hdrs?.get(KV_OPERATION);
  const cr = hdrs?.get(CREATE_REVISION);
  return {
    key,
    seq,
    op: op === 'DEL' || op === 'PURGE' ? 'delete' : 'put',
    value: dec.decode(data),
    createRevision: cr ? Number(cr) : seq,
  };
}

export class JetStreamStore implements Store {
  private closed = false;
  private readonly log: Logger;
  private readonly stream: string;
  private readonly subjectPrefix: string;
  private readonly mirror: JetStreamMirror;
  private sub: JetStreamSubscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private compacted = 0;
  private nextHead: Promise<number> | undefined;
  private readonly keyQueues = new Map<string, Promise<void>>();

  /**
   * Connects, creates the bucket when absent, and loads the mirror to the stream's head. Retries
   * until openTimeoutMs: a hub that starts while the cluster elects a leader waits for it.
   */
  static async open(opts: JetStreamStoreOptions): Promise<JetStreamStore> {
    const o = resolveJetStreamStoreOptions(opts);
    const nc = await JetStreamStore.connect(o);
    const deadline = Date.now() + o.openTimeoutMs;
    for (;;) {
      let store: JetStreamStore | undefined;
      try {
        const jsm = await nc.jetstreamManager({ timeout: o.requestTimeoutMs });
        const js = nc.jetstream({ timeout: o.requestTimeoutMs });
        await ensureBucket(js, jsm, o);
        store = new JetStreamStore(nc, js, jsm, o);
        await store.load();
        return store;
      } catch (err) {
        store?.detach();
        if (err instanceof StoreError && !(err instanceof StoreUnavailableError)) throw err;
        if (Date.now() >= deadline) {
          await nc.close().catch(() => {});
          throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError('open', String(err));
        }
        o.log.warn('store not ready, retrying', { err: String(err) });
        await new Promise((r) => setTimeout(r, OPEN_RETRY_MS));
      }
    }
  }

  /**
   * Restores a snapshot written by snapshot() into a bucket that holds no data yet, keeping every
   * key's createRevision and modRevision (resourceVersions stay valid): padding messages fill the
   * sequence between keys and are purged at the end. Run it before any hub uses the bucket.
   */
  static async restore(snapshotPath: string, opts: JetStreamStoreOptions): Promise<void> {
    const o = resolveJetStreamStoreOptions(opts);
    const { header, items } = await readSnapshot(snapshotPath);
    const nc = await JetStreamStore.connect(o);
    try {
      const jsm = await nc.jetstreamManager({ timeout: o.requestTimeoutMs });
      const js = nc.jetstream({ timeout: o.requestTimeoutMs });
      await ensureBucket(js, jsm, o);
      const stream = `KV_${o.bucket}`;
      const state = (await jsm.streams.info(stream)).state;
      if (state.last_seq > 0 || state.messages > 0) throw new RestoreTargetNotEmptyError(o.bucket);
      const prefix = `$KV.${o.bucket}.`;
      const inflight: Promise<unknown>[] = [];
      let next = 1;
      const send = async (subject: string, data: string, h: MsgHdrs | undefined, want: number) => {
        const ack = await js.publish(subject, enc.encode(data), h ? { headers: h } : {});
        if (ack.seq !== want)
          throw new NotAStoreError(snapshotPath, `restore got sequence ${ack.seq}, wanted ${want}`);
      };
      const push = async (p: Promise<unknown>) => {
        inflight.push(p);
        if (inflight.length >= RESTORE_WINDOW) await Promise.all(inflight.splice(0));
      };
      const padTo = async (seq: number) => {
        for (; next < seq; next++) await push(send(prefix + PAD_KEY, '', undefined, next));
      };
      for (const kv of items) {
        await padTo(kv.modRevision);
        const h = headers();
        if (kv.createRevision !== kv.modRevision) h.set(CREATE_REVISION, String(kv.createRevision));
        await push(send(prefix + encodeKey(kv.key), kv.value, h, next));
        next++;
      }
      await padTo(header.revision + 1);
      await Promise.all(inflight);
      await jsm.streams.purge(stream, { filter: prefix + PAD_KEY });
    } finally {
      await nc.close().catch(() => {});
    }
  }

  private static async connect(o: ResolvedJetStreamStoreOptions): Promise<NatsConnection> {
    try {
      return await connect({
        servers: o.servers,
        name: o.name,
        timeout: o.requestTimeoutMs,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        pingInterval: o.pingIntervalMs,
        maxPingOut: o.maxPingOut,
      });
    } catch (err) {
      throw new StoreUnavailableError('connect', `${o.servers.join(',')}: ${String(err)}`);
    }
  }

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly o: ResolvedJetStreamStoreOptions,
  ) {
    this.log = o.log;
    this.stream = `KV_${o.bucket}`;
    this.subjectPrefix = `$KV.${o.bucket}.`;
    this.mirror = new JetStreamMirror(o.compactKeepRevisions, o.log);
  }

  /** Drops the mirror's consumer of a failed open (the connection stays for the retry). */
  private detach(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.sub?.unsubscribe();
  }

  /** The NATS connection (leader election and the hub-to-hub subjects share it). */
  get connection(): NatsConnection {
    return this.nc;
  }

  private async load(): Promise<void> {
    const head0 = await this.fetchHead();
    const opts: ConsumerOptsBuilder = consumerOpts();
    opts.orderedConsumer();
    opts.deliverAll();
    opts.idleHeartbeat(MIRROR_HEARTBEAT_MS);
    opts.callback((err, jm) => {
      if (err) {
        if (!this.closed) this.log.warn('store mirror consumer error', { err });
        return;
      }
      if (jm) this.onMessage(jm, head0);
    });
    this.sub = await this.js.subscribe(`${this.subjectPrefix}>`, opts);
    // An empty stream delivers nothing, so no message can say the load is done.
    const ci = await this.sub.consumerInfo();
    if (ci.num_pending === 0 && ci.delivered.stream_seq === 0 && !this.mirror.isLoaded)
      this.mirror.markLoaded(head0);
    await this.withTimeout('load', this.mirror.waitApplied(head0));
    if (this.o.compactIntervalMs > 0) {
      this.timer = setInterval(() => this.autoCompact(), this.o.compactIntervalMs);
      this.timer.unref();
    }
  }

  private onMessage(jm: JsMsg, head0: number): void {
    const key = decodeKey(jm.subject.slice(this.subjectPrefix.length));
    if (key !== undefined) this.mirror.apply(recordOf(key, jm.seq, jm.headers, jm.data));
    if (!this.mirror.isLoaded && jm.info.pending === 0) this.mirror.markLoaded(Math.max(jm.seq, head0));
  }

  /** The stream's last sequence, asked of the stream leader. Concurrent reads share one request. */
  private head(): Promise<number> {
    // A read may share only a request sent after it began (so it sees every write acknowledged
    // before it): join the request scheduled for the next tick, never one already in flight.
    if (!this.nextHead) {
      this.nextHead = new Promise<void>((r) => setImmediate(r)).then(() => {
        this.nextHead = undefined;
        return this.fetchHead();
      });
    }
    return this.nextHead;
  }

  private async fetchHead(): Promise<number> {
    try {
      const m = await this.nc.request(`$JS.API.STREAM.INFO.${this.stream}`, undefined, {
        timeout: this.o.requestTimeoutMs,
      });
      const info = JSON.parse(dec.decode(m.data)) as {
        state?: { last_seq?: number };
        error?: { description?: string };
      };
      if (info.error || info.state?.last_seq === undefined) {
        throw new StoreUnavailableError('read', info.error?.description ?? 'stream info without state');
      }
      return info.state.last_seq;
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw err;
      throw new StoreUnavailableError('read', String(err));
    }
  }

  /** Waits until the mirror holds every write acknowledged before this call. */
  private async sync(): Promise<void> {
    const head = await this.head();
    this.assertOpen();
    await this.withTimeout('read', this.mirror.waitApplied(head));
  }

  private async withTimeout<T>(operation: string, p: Promise<T>): Promise<T> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      t = setTimeout(
        () =>
          reject(new StoreUnavailableError(operation, `no progress within ${this.o.requestTimeoutMs} ms`)),
        this.o.requestTimeoutMs,
      );
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(t);
    }
  }

  async revision(): Promise<number> {
    this.assertOpen();
    await this.sync();
    return this.mirror.applied;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    await this.sync();
    return this.mirror.get(key);
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    this.assertOpen();
    await this.sync();
    return this.mirror.list(prefix, opts);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    return this.write(key, (cur) => {
      if (cur.kv) throw new KeyExistsError(key);
      return { op: 'put', value, createRevision: undefined };
    });
  }

  async update(key: string, value: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.write(key, (cur) => {
      const kv = this.current(key, cur, expectedModRevision);
      return { op: 'put', value, createRevision: kv.createRevision };
    });
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.write(key, (cur) => {
      const kv = this.current(key, cur, expectedModRevision);
      return { op: 'delete', value: kv.value, createRevision: kv.createRevision };
    });
  }

  private current(key: string, cur: MirrorEntry, expected: number | undefined): KeyValue {
    if (!cur.kv) throw new KeyNotFoundError(key);
    if (expected !== undefined && cur.kv.modRevision !== expected) {
      throw new RevisionConflictError(key, expected, cur.kv.modRevision);
    }
    return cur.kv;
  }

  /**
   * One write: decide from the mirror's view of the key, publish with that view's sequence as
   * the expected last subject sequence (the server checks it atomically), and when the view was
   * stale (the decision failed, or the server refused the sequence) ask the stream leader for the
   * key's last message and decide again. Resolves once the mirror has applied the write, so the
   * write's watch events are delivered before it resolves, as on SQLite.
   */
  private write(key: string, decide: (cur: MirrorEntry) => Plan): Promise<KeyValue> {
    // Writes to one key from this hub go one at a time, in call order (as on SQLite): they do
    // not race each other's CAS, so only other hubs' writes can make one retry.
    const before = this.keyQueues.get(key);
    const run = before
      ? before.then(() => this.writeNow(key, decide))
      : Promise.resolve().then(() => this.writeNow(key, decide));
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.keyQueues.set(key, settled);
    void settled.then(() => {
      if (this.keyQueues.get(key) === settled) this.keyQueues.delete(key);
    });
    return run;
  }

  private async writeNow(key: string, decide: (cur: MirrorEntry) => Plan): Promise<KeyValue> {
    this.assertOpen();
    let cur: MirrorEntry = this.mirror.entry(key) ?? { seq: 0, kv: undefined };
    let fresh = false;
    for (let attempt = 1; ; attempt++) {
      let plan: Plan;
      try {
        plan = decide(cur);
      } catch (err) {
        if (fresh) throw err;
        cur = await this.lastMessage(key);
        fresh = true;
        continue;
      }
      let seq: number;
      try {
        seq = await this.publish(key, plan, cur.seq);
      } catch (err) {
        if (apiErrorCode(err) !== WRONG_LAST_SEQUENCE) {
          this.assertOpen();
          throw new StoreUnavailableError('write', String(err));
        }
        if (attempt >= MAX_WRITE_ATTEMPTS) throw new WriteContentionError(key, attempt);
        cur = await this.lastMessage(key);
        fresh = true;
        continue;
      }
      await this.withTimeout('write', this.mirror.waitApplied(seq));
      const createRevision = plan.createRevision ?? seq;
      return { key, value: plan.value, createRevision, modRevision: seq };
    }
  }

  private async publish(key: string, plan: Plan, expectedSeq: number): Promise<number> {
    const h = headers();
    if (plan.createRevision !== undefined) h.set(CREATE_REVISION, String(plan.createRevision));
    if (plan.op === 'delete') h.set(KV_OPERATION, 'DEL');
    const ack = await this.js.publish(this.subjectPrefix + encodeKey(key), enc.encode(plan.value), {
      headers: h,
      expect: { lastSubjectSequence: expectedSeq },
    });
    return ack.seq;
  }

  /** The key's last message, asked of the stream leader (not the possibly lagging mirror). */
  private async lastMessage(key: string): Promise<MirrorEntry> {
    let m: StoredMsg;
    try {
      m = await this.jsm.streams.getMessage(this.stream, {
        last_by_subj: this.subjectPrefix + encodeKey(key),
      });
    } catch (err) {
      if (isNotFound(err)) return { seq: 0, kv: undefined };
      this.assertOpen();
      throw new StoreUnavailableError('read', String(err));
    }
    const r = recordOf(key, m.seq, m.header, m.data);
    if (r.op === 'delete') return { seq: r.seq, kv: undefined };
    return { seq: r.seq, kv: { key, value: r.value, createRevision: r.createRevision, modRevision: r.seq } };
  }

  async watch(prefix: string, onEvent: (ev: StoreEvent) => void, opts: WatchOptions = {}): Promise<Watcher> {
    this.assertOpen();
    const floor = this.floor();
    const after = opts.afterRevision && opts.afterRevision > 0 ? opts.afterRevision : this.mirror.applied;
    if (after < floor) throw new CompactedError(after, floor);
    const entry = this.mirror.addWatch({ prefix, afterRevision: after, onEvent, onEnd: opts.onEnd });
    return { close: () => this.mirror.fanout.remove(entry) };
  }

  /**
   * Forgets history at or below revision: the watch window drops its events and the stream
   * drops the tombstones of keys deleted at or below it (their last value is all the stream kept
   * of them). The stream's last message is kept, so the head sequence stays readable.
   */
  async compact(revision: number): Promise<void> {
    this.assertOpen();
    const head = await this.revision();
    if (revision > head) throw new FutureRevisionError(revision, head);
    if (revision <= this.compacted) return;
    for (const [key, seq] of this.mirror.tombstonesUpTo(revision)) {
      if (seq >= head) continue;
      try {
        await this.jsm.streams.purge(this.stream, {
          filter: this.subjectPrefix + encodeKey(key),
          seq: seq + 1,
        });
        this.mirror.forgetTombstone(key, seq);
      } catch (err) {
        this.assertOpen();
        throw new StoreUnavailableError('compact', String(err));
      }
    }
    this.compacted = revision;
    this.mirror.raiseFloor(revision);
  }

  /**
   * Drops every stored message of key but its latest (a bucket kept with history > 1 holds
   * earlier values): encryption key rotation, so no message still needs an old key.
   */
  async forgetEarlierValues(key: string): Promise<void> {
    this.assertOpen();
    try {
      await this.jsm.streams.purge(this.stream, { filter: this.subjectPrefix + encodeKey(key), keep: 1 });
    } catch (err) {
      this.assertOpen();
      throw new StoreUnavailableError('purge', String(err));
    }
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.floor();
  }

  /** Writes every live key with its revisions, at one revision, as JSON lines; rename makes it atomic. */
  async snapshot(path: string): Promise<void> {
    this.assertOpen();
    await this.sync();
    const header: SnapshotHeader = {
      format: SNAPSHOT_FORMAT,
      revision: this.mirror.applied,
      compacted: this.floor(),
    };
    const lines = [JSON.stringify(header), ...this.mirror.liveByRevision().map((kv) => JSON.stringify(kv))];
    await replaceAtomically(path, (tmp) => writeFileSync(tmp, `${lines.join('\n')}\n`));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.mirror.failWaiters(new StoreClosedError());
    this.mirror.fanout.endAll(new StoreClosedError());
    this.sub?.unsubscribe();
    await this.nc.close().catch(() => {});
  }

  /** Number of registered watchers (for metrics). */
  watcherCount(): number {
    return this.mirror.fanout.size;
  }

  private floor(): number {
    return Math.max(this.compacted, this.mirror.watchFloor);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }

  private autoCompact(): void {
    if (this.closed) return;
    const target = this.mirror.applied - this.o.compactKeepRevisions;
    if (target <= this.compacted) return;
    this.compact(target).catch((err) => {
      if (!this.closed) this.log.warn('auto-compaction failed', { revision: target, err });
    });
  }
}

/** Binds to the bucket's stream, creating the bucket only when the stream does not exist. */
async function ensureBucket(
  js: JetStreamClient,
  jsm: JetStreamManager,
  o: ResolvedJetStreamStoreOptions,
): Promise<void> {
  try {
    // Stream info is answered by the stream's leader: no meta-leader round (which a cluster
    // that just lost its meta leader cannot give) unless the bucket must be created.
    await jsm.streams.info(`KV_${o.bucket}`);
    return;
  } catch (err) {
    if (apiErrorCode(err) !== STREAM_NOT_FOUND) throw err;
  }
  await js.views.kv(o.bucket, { history: o.history, replicas: o.replicas });
}

async function readSnapshot(path: string): Promise<{ header: SnapshotHeader; items: KeyValue[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NotAStoreError(path, String(err));
  }
  const lines = text.split('\n').filter((l) => l !== '');
  try {
    const header = JSON.parse(lines[0] ?? '') as SnapshotHeader;
    if (header.format !== SNAPSHOT_FORMAT || !Number.isSafeInteger(header.revision))
      throw new Error('no header');
    const items = lines.slice(1).map((l) => JSON.parse(l) as KeyValue);
    let last = 0;
    for (const kv of items) {
      const ok =
        typeof kv.key === 'string' &&
        typeof kv.value === 'string' &&
        Number.isSafeInteger(kv.modRevision) &&
        kv.modRevision > last &&
        kv.modRevision <= header.revision &&
        Number.isSafeInteger(kv.createRevision) &&
        kv.createRevision <= kv.modRevision;
      if (!ok) throw new Error(`bad item ${JSON.stringify(kv).slice(0, 200)}`);
      last = kv.modRevision;
    }
    return { header, items };
  } catch (err) {
    throw new NotAStoreError(
      path,
      `not a ${SNAPSHOT_FORMAT} file: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
