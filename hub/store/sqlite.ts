// SQLite backend of the Store (the embedded default, as k3s does with kine). One process owns
// the file and is its only writer: the revision counter is kept in memory and every durable
// write is fanned out to in-memory watchers once the sync that covers it completes.
// Group commit: writes issued together (before the next microtask checkpoint) are queued and
// committed together in one transaction; each runs in its own savepoint, so a conflict fails
// that write alone. A write with the endOfTurn hint (the API server's requests) waits for the
// end of the event-loop turn instead, so the writes of every request that arrived in the turn
// share the commit. One microtask commit per loop turn: once a turn has committed at a
// microtask, its later writes wait for the end-of-turn commit too, so the in-process writes of
// many callbacks in one turn (boards' reports, one I/O callback each) share a commit, and a
// long chain of writes yields to the loop every other write.
// Commit and sync: WAL with synchronous=NORMAL, so a commit writes its frames to the -wal file
// without an fsync (better-sqlite3 is synchronous: an fsync in the commit held the API's one
// thread for the whole disk flush). After each commit the store fdatasyncs the -wal file on
// libuv's thread pool (walSync), through its own fd: SQLite keeps the WAL open, never unlinks
// it while the connection lives, and resets it in place after a checkpoint (rewrite from the
// start, or truncate), so that fd names the file the frames land in for the store's life; the
// directory is fsync'd once at open, so a new -wal file's name is durable too. While a sync is
// in flight the next groups commit (pipelining) and start their own, at most walSyncsInFlight
// at once (later groups wait for the next to start); a sync covers every group committed before
// it started. Checkpoints are SQLite's own: with NORMAL it syncs the WAL before copying frames
// into the database and the database after (strace shows both).
// The rule: a write is settled (resolved, or rejected for a conflict found against the file,
// which may hold other unsynced writes) and its event fanned out only after the sync that
// covers its commit, in commit order; nothing not yet durable is visible:
// - revision(), a watch's start and its replay use the durable revision (the last settled);
// - get of a key with a queued write waits for its commit, then for the sync of that commit
//   (a read-modify-write never starts from a value being replaced, or from one not durable);
// - list of a prefix under which a committed write awaits its sync waits until every commit
//   is durable, and runs inside the sync's completion, before any later group commits (new
//   commits hold while such a read waits; under steady writes a list would never find its
//   prefix clean otherwise);
// - a snapshot waits, before its rename, for the sync of everything the copy may hold.
// A failed commit (disk full) rejects its group at once: nothing of it was written. A failed
// sync leaves the file holding writes of unknown durability: the store fails every request
// from then on (StoreSyncError) and a restart recovers what the file holds.

import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
  StoreFullError,
  StoreSyncError,
} from './errors.js';
import { replaceAtomically } from './replace-atomically.js';
import { RestoreTargetExistsError } from './sqlite-errors.js';
import { resolveSqliteStoreOptions, type SqliteStoreOptions } from './sqlite-options.js';
import { SCHEMA_SQL, whyNotAStore } from './sqlite-schema.js';
import type {
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  StoreEvent,
  WatchOptions,
  Watcher,
  WriteHints,
} from './store.js';
import { type WatchEntry, WatchFanout } from './watch-fanout.js';

export type { SqliteStoreOptions } from './sqlite-options.js';

type WriteKind = 'create' | 'update' | 'delete';

/** A write waiting for the next group commit. */
interface PendingWrite {
  kind: WriteKind;
  key: string;
  value: string;
  expected?: number;
  resolve(r: { rev: number; cur: CurrentRow | undefined }): void;
  reject(e: unknown): void;
}

type WriteOutcome = { rev: number; cur: CurrentRow | undefined } | { error: unknown };

/** A committed group waiting for the WAL sync that makes it durable. */
interface CommittedGroup {
  /** Commit order, from 1. */
  seq: number;
  writes: PendingWrite[];
  outcomes: WriteOutcome[];
}

/** A read that must see only durable writes, run when every commit is durable. */
interface HeldRead {
  run(): void;
  fail(e: unknown): void;
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

function drop(m: Map<string, number>, key: string): void {
  const n = (m.get(key) ?? 0) - 1;
  if (n > 0) m.set(key, n);
  else m.delete(key);
}

interface CurrentRow {
  key: string;
  value: string;
  create_revision: number;
  revision: number;
}

interface LogRow {
  revision: number;
  key: string;
  value: string;
  create_revision: number;
  prev_revision: number;
  deleted: number;
  p_value: string | null;
  p_create_revision: number | null;
}

const SELECT_CURRENT = `SELECT c.key, l.value, l.create_revision, c.revision
  FROM current c JOIN log l ON l.revision = c.revision`;
const SELECT_LOG = `SELECT l.revision, l.key, l.value, l.create_revision, l.prev_revision, l.deleted,
    p.value AS p_value, p.create_revision AS p_create_revision
  FROM log l LEFT JOIN log p ON p.revision = l.prev_revision`;

/** The smallest string greater than every string starting with prefix; undefined for ''. */
function prefixEnd(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

function toKv(r: CurrentRow): KeyValue {
  return { key: r.key, value: r.value, createRevision: r.create_revision, modRevision: r.revision };
}

function toEvent(r: LogRow): StoreEvent {
  const prev: KeyValue | undefined =
    r.prev_revision > 0 && r.p_value !== null
      ? {
          key: r.key,
          value: r.p_value,
          createRevision: r.p_create_revision ?? 0,
          modRevision: r.prev_revision,
        }
      : undefined;
  if (r.deleted) {
    const kv = {
      key: r.key,
      value: prev?.value ?? '',
      createRevision: r.create_revision,
      modRevision: r.revision,
    };
    return prev
      ? { type: 'delete', kv, prev, revision: r.revision }
      : { type: 'delete', kv, revision: r.revision };
  }
  const kv = { key: r.key, value: r.value, createRevision: r.create_revision, modRevision: r.revision };
  return prev ? { type: 'put', kv, prev, revision: r.revision } : { type: 'put', kv, revision: r.revision };
}

/** The watch event of a committed write (cur: the row before it). */
function eventOf(w: PendingWrite, rev: number, cur: CurrentRow | undefined): StoreEvent {
  if (w.kind === 'create')
    return {
      type: 'put',
      kv: { key: w.key, value: w.value, createRevision: rev, modRevision: rev },
      revision: rev,
    };
  const prev = toKv(cur as CurrentRow);
  if (w.kind === 'update')
    return {
      type: 'put',
      kv: { key: w.key, value: w.value, createRevision: prev.createRevision, modRevision: rev },
      prev,
      revision: rev,
    };
  return {
    type: 'delete',
    kv: { key: w.key, value: prev.value, createRevision: prev.createRevision, modRevision: rev },
    prev,
    revision: rev,
  };
}

/** SQLite's "database or disk is full" (SQLITE_FULL: the disk has no room for the WAL). */
function isDiskFull(e: unknown): boolean {
  return (e as { code?: unknown } | undefined)?.code === 'SQLITE_FULL';
}

function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const n = (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
    if (n > 0) {
      const why = whyNotAStore(db, { integrity: false });
      if (why) throw new NotAStoreError(path, why);
    }
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new NotAStoreError(path, `cannot use WAL journal (got ${String(mode)})`);
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA_SQL);
    // From here commits do not fsync: the store syncs the WAL itself, off the thread, and
    // acknowledges nothing before (file header). Checkpoints still sync (SQLite's NORMAL).
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (err) {
    db.close();
    if (err instanceof Error && (err as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new NotAStoreError(path, err.message);
    }
    throw err;
  }
}

export class SqliteStore implements Store {
  private rev: number;
  private compacted: number;
  private closed = false;
  private readonly fanout: WatchFanout;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly listStmts = new Map<string, Database.Statement>();
  private readonly getStmt: Database.Statement;
  private readonly insertLog: Database.Statement;
  private readonly insertCurrent: Database.Statement;
  private readonly updateCurrent: Database.Statement;
  private readonly deleteCurrent: Database.Statement;
  private readonly replayAll: Database.Statement;
  private readonly replayRange: Database.Statement;
  private readonly compactTx: (from: number, to: number) => number;
  /** The newest revision whose compaction leaves at most `keepBytes` of values above it. */
  private readonly bytesTarget: (compacted: number, keepBytes: number) => number | undefined;
  private readonly batchTx: (batch: PendingWrite[], fromRev: number) => WriteOutcome[];
  private readonly maxBatch: number;
  private pending: PendingWrite[] = [];
  /** Group commits so far (each one transaction); for metrics and tests. */
  commits = 0;
  /** WAL syncs completed so far (one may cover several commits); for metrics and tests. */
  syncs = 0;
  /** Writes committed or refused in those commits; writes / commits is the group size. */
  writesCommitted = 0;
  private flushScheduled = false;
  private turnFlushScheduled = false;
  /** This loop turn has had its microtask commit (reset at the end of the turn). */
  private committedThisTurn = false;
  /** Keys with a queued write, and how many: a get of one waits for the next commit. */
  private readonly pendingKeys = new Map<string, number>();
  /** The last revision committed to the file; this.rev is the last durable (settled) one. */
  private commitRev: number;
  /** Committed groups not yet settled, in commit order. */
  private unsynced: CommittedGroup[] = [];
  /** The last group committed, and the last one a started sync covers. */
  private groupSeq = 0;
  private syncStartedThrough = 0;
  /** WAL syncs in flight. */
  private syncing = 0;
  private readonly maxSyncs: number;
  /** Called when the sync in flight (or the next) completes. */
  private syncWaiters: (() => void)[] = [];
  /** Keys with a committed write whose sync has not completed: reads of them wait. */
  private readonly unsyncedKeys = new Map<string, number>();
  /** Reads waiting for every commit to be durable; no group commits while one waits. */
  private heldReads: HeldRead[] = [];
  /** Set by a failed sync: every request fails with it from then on. */
  private failed: StoreSyncError | undefined;
  private closing: Promise<void> | undefined;
  private readonly walSync: (fd: number) => Promise<void>;
  /** The store's own fd on the -wal file (see the file header). */
  private readonly walFd: number;
  private readonly writeTx: (
    key: string,
    value: string,
    rev: number,
    kind: 'create' | 'update' | 'delete',
    expected?: number,
  ) => CurrentRow | undefined;

  /** Opens (creating if absent) the store at path. */
  static open(path: string, opts?: SqliteStoreOptions): SqliteStore {
    return new SqliteStore(path, opts);
  }

  /**
   * Copies a snapshot written by snapshot() to targetPath, after checking it is an intact Drover
   * store. Refuses when targetPath (or its -wal file) already exists.
   */
  static restore(snapshotPath: string, targetPath: string): void {
    for (const p of [targetPath, `${targetPath}-wal`])
      if (existsSync(p)) throw new RestoreTargetExistsError(p);
    if (!existsSync(snapshotPath)) throw new NotAStoreError(snapshotPath, 'file does not exist');
    const wal = `${snapshotPath}-wal`;
    if (existsSync(wal) && statSync(wal).size > 0) {
      throw new NotAStoreError(snapshotPath, 'it has a -wal file: a live database, not a snapshot');
    }
    const tmp = `${targetPath}.restore-${process.pid}`;
    copyFileSync(snapshotPath, tmp);
    let db: Database.Database | undefined;
    try {
      db = new Database(tmp, { fileMustExist: true });
      const why = whyNotAStore(db, { integrity: true });
      if (why) throw new NotAStoreError(snapshotPath, why);
      db.close();
      db = undefined;
      renameSync(tmp, targetPath);
    } catch (err) {
      db?.close();
      for (const p of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(p, { force: true });
      if (err instanceof Error && (err as { code?: string }).code === 'SQLITE_NOTADB') {
        throw new NotAStoreError(snapshotPath, err.message);
      }
      throw err;
    }
  }

  private readonly db: Database.Database;
  private readonly log: Logger;

  private constructor(
    readonly path: string,
    opts?: SqliteStoreOptions,
  ) {
    const o = resolveSqliteStoreOptions(opts);
    this.log = o.log;
    this.maxBatch = o.groupCommitMaxWrites;
    this.walSync = o.walSync;
    this.maxSyncs = o.walSyncsInFlight;
    const db = openDatabase(path, o.busyTimeoutMs);
    this.db = db;
    this.fanout = new WatchFanout(this.log);
    this.compacted = (
      db.prepare(`SELECT value FROM meta WHERE name = 'compacted'`).get() as { value: number }
    ).value;
    const maxLog = (db.prepare('SELECT max(revision) AS r FROM log').get() as { r: number | null }).r ?? 0;
    // Compaction may remove a trailing tombstone: the compacted revision still counts as written.
    this.rev = Math.max(maxLog, this.compacted);
    this.commitRev = this.rev;
    let walFd: number | undefined;
    try {
      // The connection has read the database, so SQLite has opened (or created) the -wal file.
      walFd = openSync(`${path}-wal`, 'r');
      const dir = openSync(dirname(path), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    } catch (err) {
      if (walFd !== undefined) closeSync(walFd);
      db.close();
      throw err;
    }
    this.walFd = walFd;

    this.getStmt = db.prepare(`${SELECT_CURRENT} WHERE c.key = ?`);
    this.insertLog = db.prepare(
      'INSERT INTO log (revision, key, value, create_revision, prev_revision, deleted) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertCurrent = db.prepare('INSERT INTO current (key, revision) VALUES (?, ?)');
    this.updateCurrent = db.prepare('UPDATE current SET revision = ? WHERE key = ?');
    this.deleteCurrent = db.prepare('DELETE FROM current WHERE key = ?');
    this.replayAll = db.prepare(`${SELECT_LOG} WHERE l.revision > ? AND l.revision <= ? ORDER BY l.revision`);
    this.replayRange = db.prepare(
      `${SELECT_LOG} WHERE l.revision > ? AND l.revision <= ? AND l.key >= ? AND l.key < ? ORDER BY l.revision`,
    );

    this.writeTx = db.transaction((key, value, rev, kind, expected) => {
      const cur = this.getStmt.get(key) as CurrentRow | undefined;
      if (kind === 'create') {
        if (cur) throw new KeyExistsError(key);
        this.insertLog.run(rev, key, value, rev, 0, 0);
        this.insertCurrent.run(key, rev);
        return undefined;
      }
      if (!cur) throw new KeyNotFoundError(key);
      if (expected !== undefined && cur.revision !== expected) {
        throw new RevisionConflictError(key, expected, cur.revision);
      }
      if (kind === 'update') {
        this.insertLog.run(rev, key, value, cur.create_revision, cur.revision, 0);
        this.updateCurrent.run(rev, key);
      } else {
        this.insertLog.run(rev, key, '', cur.create_revision, cur.revision, 1);
        this.deleteCurrent.run(key);
      }
      return cur;
    });

    // One transaction for a batch; each write is a savepoint (a nested transaction) that rolls
    // back alone when it fails, and takes the next revision only when it succeeds.
    this.batchTx = db.transaction((batch: PendingWrite[], fromRev: number) => {
      let rev = fromRev;
      return batch.map((w): WriteOutcome => {
        try {
          const cur = this.writeTx(w.key, w.value, rev + 1, w.kind, w.expected);
          rev++;
          return { rev, cur };
        } catch (error) {
          // Only a write's own failure (exists, not found, conflict) stays with that write; an
          // SQLite error (disk full, I/O) fails the whole transaction, as it may have rolled it back.
          if (!(error instanceof StoreError)) throw error;
          return { error };
        }
      });
    });

    // Keeps, for every key, its latest row at or below `to` (unless a tombstone): that row is
    // the `prev` of the key's first event after `to`. Rows at or below `from` were already
    // compacted, so only rows in (from, to] can supersede anything new.
    const delSuperseded = db.prepare(`DELETE FROM log WHERE revision IN
      (SELECT prev_revision FROM log WHERE revision > ? AND revision <= ? AND prev_revision > 0)`);
    const delTombstones = db.prepare('DELETE FROM log WHERE revision > ? AND revision <= ? AND deleted = 1');
    const setCompacted = db.prepare(`UPDATE meta SET value = ? WHERE name = 'compacted'`);
    this.compactTx = db.transaction((from: number, to: number) => {
      const a = delSuperseded.run(from, to).changes;
      const b = delTombstones.run(from, to).changes;
      setCompacted.run(to);
      return a + b;
    });

    // Summed from the newest row down: the first row where the sum passes the budget is the
    // revision to compact through, so a board's churn cannot grow the log without bound.
    const overBudget = db.prepare(`SELECT revision FROM
      (SELECT revision, SUM(octet_length(value)) OVER (ORDER BY revision DESC) AS total FROM log WHERE revision > ?)
      WHERE total > ? LIMIT 1`);
    this.bytesTarget = (compacted, keepBytes) =>
      (overBudget.get(compacted, keepBytes) as { revision: number } | undefined)?.revision;

    if (o.compactIntervalMs > 0) {
      this.timer = setInterval(
        () => this.autoCompact(o.compactKeepRevisions, o.compactKeepBytes),
        o.compactIntervalMs,
      );
      this.timer.unref();
    }
  }

  async revision(): Promise<number> {
    this.assertOpen();
    return this.rev;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    // The flush was scheduled (a microtask, or setImmediate) when that write was queued, so it
    // runs before this reader's next turn. One macrotask per waiting reader, as each HTTP
    // request has its own: a read-modify-write that looked first queues its write before the
    // next reader looks again, so concurrent read-modify-writes of one key take one commit each
    // instead of conflicting.
    // A committed write waits for its sync, and then a macrotask too: every reader woken by
    // the sync looks again in its own turn, so the first one's read-modify-write has queued its
    // write before the next looks (40 patches of one key: a commit each, no conflict).
    for (;;) {
      if (this.unsyncedKeys.has(key) && !this.pendingKeys.has(key)) await this.nextSync();
      else if (!this.pendingKeys.has(key)) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.assertOpen();
    }
    const r = this.getStmt.get(key) as CurrentRow | undefined;
    return r && toKv(r);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    for (const k of this.unsyncedKeys.keys())
      if (k.startsWith(prefix)) return this.whenAllDurable(() => this.listNow(prefix, opts));
    return this.listNow(prefix, opts);
  }

  /** The rows under prefix now (the caller knows none of them awaits a sync). */
  private listNow(prefix: string, opts: ListOptions): ListResult {
    const end = prefixEnd(prefix);
    // One index range: start strictly after startAfter when it lies beyond the prefix start.
    const exclusive = opts.startAfter !== undefined && opts.startAfter >= prefix;
    const lo = exclusive ? (opts.startAfter as string) : prefix;
    const stmt = this.listStmt(exclusive, end !== undefined);
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : -1;
    const args = end !== undefined ? [lo, end, limit] : [lo, limit];
    const rows = stmt.all(...args) as CurrentRow[];
    return { items: rows.map(toKv), revision: this.rev };
  }

  async create(key: string, value: string, hints?: WriteHints): Promise<KeyValue> {
    const { rev } = await this.write('create', key, value, undefined, hints);
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(
    key: string,
    value: string,
    expectedModRevision?: number,
    hints?: WriteHints,
  ): Promise<KeyValue> {
    const { rev, cur } = await this.write('update', key, value, expectedModRevision, hints);
    return { key, value, createRevision: (cur as CurrentRow).create_revision, modRevision: rev };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    const { rev, cur } = await this.write('delete', key, '', expectedModRevision);
    const c = cur as CurrentRow;
    return { key, value: c.value, createRevision: c.create_revision, modRevision: rev };
  }

  /** Queues a write for the next group commit; resolves once it is durable. */
  private write(
    kind: WriteKind,
    key: string,
    value: string,
    expected?: number,
    hints?: WriteHints,
  ): Promise<{ rev: number; cur: CurrentRow | undefined }> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      this.pending.push({ kind, key, value, expected, resolve, reject });
      bump(this.pendingKeys, key);
      if (hints?.endOfTurn || this.committedThisTurn) {
        // setImmediate: after the poll phase, so the writes of every request whose bytes arrived
        // in this turn share one commit (a microtask flushed each HTTP request alone: one commit
        // per API write). The wider window cannot make a read-modify-write start from a stale
        // value: get waits for the commit of a queued write to its key.
        if (this.turnFlushScheduled) return;
        this.turnFlushScheduled = true;
        setImmediate(() => {
          this.turnFlushScheduled = false;
          this.flush();
        });
        return;
      }
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      // A microtask: writes issued by concurrent promise chains of this callback join the batch,
      // and a write alone in its turn waits for no other callback.
      queueMicrotask(() => this.flushAtMicrotask());
    });
  }

  /** The turn's microtask commit; writes queued after it wait for the end of the turn. */
  private flushAtMicrotask(): void {
    if (!this.committedThisTurn) {
      this.committedThisTurn = true;
      setImmediate(() => {
        this.committedThisTurn = false;
      });
    }
    this.flush();
  }

  /**
   * Commits the queued writes (at most maxBatch per transaction) and starts their sync; they
   * settle when it completes. Holds while a read waits for every commit to be durable.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.heldReads.length > 0) return; // flushed again when the held reads have run
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      for (const w of batch) drop(this.pendingKeys, w.key);
      if (this.closed || this.failed) {
        for (const w of batch) w.reject(this.failed ?? new StoreClosedError());
        continue;
      }
      let outcomes: WriteOutcome[];
      try {
        outcomes = this.batchTx(batch, this.commitRev);
        this.commits++;
        this.writesCommitted += batch.length;
      } catch (e) {
        // The commit itself failed (disk full, I/O error): nothing of the batch was written.
        const err = isDiskFull(e) ? new StoreFullError(this.path, (e as Error).message) : e;
        for (const w of batch) w.reject(err);
        continue;
      }
      batch.forEach((w, i) => {
        const o = outcomes[i];
        if ('error' in o) return;
        this.commitRev = o.rev;
        bump(this.unsyncedKeys, w.key);
      });
      this.unsynced.push({ seq: ++this.groupSeq, writes: batch, outcomes });
    }
    this.startSync();
  }

  /**
   * Syncs the WAL for the groups committed since the last sync started, unless maxSyncs are in
   * flight. fdatasync returns once all the file's data written before the call is durable, so a
   * sync covers every group committed before it started, whichever sync in flight ends first.
   */
  private startSync(): void {
    if (this.syncing >= this.maxSyncs || this.groupSeq === this.syncStartedThrough || this.failed) return;
    this.syncing++;
    const through = this.groupSeq;
    this.syncStartedThrough = through;
    new Promise<void>((resolve) => resolve(this.walSync(this.walFd))).then(
      () => this.synced(through),
      (err: unknown) => this.syncFailed(err),
    );
  }

  /** The groups through seq are durable: settle their writes and fan out their events, in order. */
  private synced(through: number): void {
    this.syncing--;
    if (this.failed) return;
    this.syncs++;
    while (this.unsynced.length > 0 && this.unsynced[0].seq <= through) {
      const g = this.unsynced.shift() as CommittedGroup;
      g.writes.forEach((w, i) => {
        const o = g.outcomes[i];
        if ('error' in o) {
          w.reject(o.error);
          return;
        }
        drop(this.unsyncedKeys, w.key);
        this.rev = o.rev;
        this.fanout.emit(eventOf(w, o.rev, o.cur));
        w.resolve(o);
      });
    }
    this.wakeSyncWaiters();
    this.startSync(); // the groups committed while this sync ran
    if (this.unsynced.length > 0 || this.heldReads.length === 0) return;
    // Every commit is durable and none can start before the held reads have run.
    const reads = this.heldReads;
    this.heldReads = [];
    for (const r of reads) r.run();
    if (this.pending.length > 0) this.flush();
  }

  private syncFailed(err: unknown): void {
    this.syncing--;
    if (this.failed) return;
    const e = new StoreSyncError(this.path, err instanceof Error ? err.message : String(err));
    this.failed = e;
    this.log.error('WAL sync failed: the store refuses every request until restarted', {
      err: e.message,
    });
    for (const g of this.unsynced.splice(0)) for (const w of g.writes) w.reject(e);
    this.unsyncedKeys.clear();
    for (const w of this.pending.splice(0)) w.reject(e);
    this.pendingKeys.clear();
    for (const r of this.heldReads.splice(0)) r.fail(e);
    this.wakeSyncWaiters();
  }

  private wakeSyncWaiters(): void {
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves when the sync in flight (or the next one) has completed or failed. */
  private nextSync(): Promise<void> {
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /**
   * Runs read when every commit is durable: now, or inside the completion of the sync that
   * makes them so, before any later group commits (commits hold meanwhile).
   */
  private whenAllDurable<T>(read: () => T): Promise<T> {
    if (this.unsynced.length === 0) return Promise.resolve(read());
    return new Promise((resolve, reject) => {
      this.heldReads.push({
        run: () => {
          try {
            resolve(read());
          } catch (e) {
            reject(e);
          }
        },
        fail: reject,
      });
    });
  }

  /** Resolves once every write issued before it has settled (or the store has failed). */
  private async drain(): Promise<void> {
    while (!this.failed && (this.pending.length > 0 || this.unsynced.length > 0)) {
      if (this.pending.length > 0 && this.heldReads.length === 0) this.flush();
      if (this.unsynced.length > 0) await this.nextSync();
    }
  }

  async watch(prefix: string, onEvent: (ev: StoreEvent) => void, opts: WatchOptions = {}): Promise<Watcher> {
    this.assertOpen();
    const after = opts.afterRevision ?? 0;
    if (after > 0 && after < this.compacted) throw new CompactedError(after, this.compacted);
    // Replay and registration happen in one synchronous step: no write can fall between them.
    const pending = after > 0 && after < this.rev ? this.replay(prefix, after) : [];
    const entry: WatchEntry = {
      prefix,
      afterRevision: after > 0 ? after : this.rev,
      onEvent,
      onEnd: opts.onEnd,
      pending: pending.length > 0 ? pending : undefined,
      closed: false,
    };
    this.fanout.add(entry);
    return { close: () => this.fanout.remove(entry) };
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    this.compactSync(revision);
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  /**
   * Rewrites the file without free pages and empties the WAL: bytes of deleted or compacted rows
   * are gone from disk afterwards (etcd's defrag). Offline use (encryption key rotation).
   */
  async vacuum(): Promise<void> {
    this.assertOpen();
    await this.drain();
    this.assertOpen();
    this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async snapshot(path: string): Promise<void> {
    this.assertOpen();
    // The online backup API copies a consistent image while writes continue; writes made
    // through this connection meanwhile are carried into the copy. Rename makes it atomic.
    // The copy may hold commits not yet durable: it is renamed into place only once they are.
    await replaceAtomically(path, async (tmp) => {
      await this.db.backup(tmp);
      const copied = this.commitRev;
      while (this.rev < copied) {
        await this.nextSync();
        this.assertOpen();
      }
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    // Writes already issued are committed and synced, not dropped.
    await this.drain();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.fanout.endAll(this.failed ?? new StoreClosedError());
    closeSync(this.walFd);
    this.db.close();
  }

  /** Number of registered watchers (for metrics). */
  watcherCount(): number {
    return this.fanout.size;
  }

  private assertOpen(): void {
    if (this.failed) throw this.failed;
    if (this.closed) throw new StoreClosedError();
  }

  private listStmt(exclusive: boolean, bounded: boolean): Database.Statement {
    const shape = `${exclusive ? 'x' : 'i'}${bounded ? 'b' : 'u'}`;
    let stmt = this.listStmts.get(shape);
    if (!stmt) {
      const lower = exclusive ? 'c.key > ?' : 'c.key >= ?';
      const upper = bounded ? ' AND c.key < ?' : '';
      stmt = this.db.prepare(`${SELECT_CURRENT} WHERE ${lower}${upper} ORDER BY c.key LIMIT ?`);
      this.listStmts.set(shape, stmt);
    }
    return stmt;
  }

  private replay(prefix: string, after: number): StoreEvent[] {
    const end = prefixEnd(prefix);
    const rows = (
      end === undefined
        ? this.replayAll.all(after, this.rev)
        : this.replayRange.all(after, this.rev, prefix, end)
    ) as LogRow[];
    return rows.map(toEvent);
  }

  private compactSync(revision: number): void {
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev);
    if (revision <= this.compacted) return;
    const t0 = Date.now();
    const removed = this.compactTx(this.compacted, revision);
    this.compacted = revision;
    this.log.debug('compacted', { revision, removedRows: removed, ms: Date.now() - t0 });
  }

  /** Compacts to keep at most `keep` revisions and `keepBytes` of values of history. */
  private autoCompact(keep: number, keepBytes: number): void {
    if (this.closed || this.failed) return;
    let target = this.rev - keep;
    try {
      // The sum counts committed rows not yet durable too; compaction stops at the durable revision.
      target = Math.min(this.rev, Math.max(target, this.bytesTarget(this.compacted, keepBytes) ?? 0));
    } catch (err) {
      this.log.error('auto-compaction size check failed', { err });
    }
    if (target <= this.compacted) return;
    try {
      this.compactSync(target);
    } catch (err) {
      this.log.error('auto-compaction failed', { revision: target, err });
    }
  }
}
