// SQLite backend of the Store (the embedded default, as k3s does with kine). One process owns
// the file and is its only writer: the revision counter is kept in memory and every committed
// write is fanned out to in-memory watchers right after its transaction commits.
// better-sqlite3 is synchronous, so a read plus `this.rev` is always one consistent view.
// Group commit: writes issued together (before the next microtask checkpoint) are queued and
// committed together in one transaction, so one fsync covers them all; each runs in its own
// savepoint, so a conflict fails that write alone. A write with the endOfTurn hint (the API
// server's requests) waits for the end of the event-loop turn instead, so the writes of every
// request that arrived in the turn share the commit. One microtask commit per loop turn: once a
// turn has committed at a microtask, its later writes wait for the end-of-turn commit too, so
// the in-process writes of many callbacks in one turn (boards' reports, one I/O callback each)
// share an fsync instead of taking one each, and a long chain of writes yields to the loop
// every other write rather than holding it for one fsync per write. A write resolves (and its event is fanned
// out) only after the commit that holds it is durable, and is invisible to reads until then; a
// get of a key with a queued write waits for that commit, so a read-modify-write never starts
// from a value already being replaced.

import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
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

function openDatabase(path: string, busyTimeoutMs: number, cacheSizeKiB: number): Database.Database {
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // Negative: a size in KiB rather than in pages.
    db.pragma(`cache_size = ${-cacheSizeKiB}`);
    const n = (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
    if (n > 0) {
      const why = whyNotAStore(db, { integrity: false });
      if (why) throw new NotAStoreError(path, why);
    }
    // WAL + FULL: every acknowledged commit is fsync'd to the WAL, so it survives kill -9 and power loss.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new NotAStoreError(path, `cannot use WAL journal (got ${String(mode)})`);
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA_SQL);
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
  /** Group commits so far (each one transaction, one fsync); for metrics and tests. */
  commits = 0;
  /** Writes committed or refused in those commits; writes / commits is the group size. */
  writesCommitted = 0;
  private flushScheduled = false;
  private turnFlushScheduled = false;
  /** This loop turn has had its microtask commit (reset at the end of the turn). */
  private committedThisTurn = false;
  /** Keys with a queued write, and how many: a get of one waits for the next commit. */
  private readonly pendingKeys = new Map<string, number>();
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
    const db = openDatabase(path, o.busyTimeoutMs, o.cacheSizeKiB);
    this.db = db;
    this.fanout = new WatchFanout(this.log);
    this.compacted = (
      db.prepare(`SELECT value FROM meta WHERE name = 'compacted'`).get() as { value: number }
    ).value;
    const maxLog = (db.prepare('SELECT max(revision) AS r FROM log').get() as { r: number | null }).r ?? 0;
    // Compaction may remove a trailing tombstone: the compacted revision still counts as written.
    this.rev = Math.max(maxLog, this.compacted);

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
    while (this.pendingKeys.has(key)) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.assertOpen();
    }
    const r = this.getStmt.get(key) as CurrentRow | undefined;
    return r && toKv(r);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
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
      this.pendingKeys.set(key, (this.pendingKeys.get(key) ?? 0) + 1);
      if (hints?.endOfTurn || this.committedThisTurn) {
        // setImmediate: after the poll phase, so the writes of every request whose bytes arrived
        // in this turn share one fsync (a microtask flushed each HTTP request alone: one fsync
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

  private unqueue(key: string): void {
    const n = (this.pendingKeys.get(key) ?? 0) - 1;
    if (n > 0) this.pendingKeys.set(key, n);
    else this.pendingKeys.delete(key);
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

  /** Commits the queued writes (at most maxBatch per transaction), then fans out and resolves. */
  private flush(): void {
    this.flushScheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      for (const w of batch) this.unqueue(w.key);
      if (this.closed) {
        for (const w of batch) w.reject(new StoreClosedError());
        continue;
      }
      let outcomes: WriteOutcome[];
      try {
        outcomes = this.batchTx(batch, this.rev);
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
        if ('error' in o) {
          w.reject(o.error);
          return;
        }
        this.rev = o.rev;
        this.fanout.emit(eventOf(w, o.rev, o.cur));
        w.resolve(o);
      });
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
    this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async snapshot(path: string): Promise<void> {
    this.assertOpen();
    // The online backup API copies a consistent image while writes continue; writes made
    // through this connection meanwhile are carried into the copy. Rename makes it atomic.
    await replaceAtomically(path, (tmp) => this.db.backup(tmp));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Writes already issued are committed, not dropped.
    this.flush();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.fanout.endAll(new StoreClosedError());
    this.db.close();
  }

  /** Number of registered watchers (for metrics). */
  watcherCount(): number {
    return this.fanout.size;
  }

  private assertOpen(): void {
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
    if (this.closed) return;
    let target = this.rev - keep;
    try {
      target = Math.max(target, this.bytesTarget(this.compacted, keepBytes) ?? 0);
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
