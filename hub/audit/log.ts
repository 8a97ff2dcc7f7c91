// The audit log (kube-apiserver's --audit-log-path with the Metadata level): one JSON line per
// API request that reached authentication: who (user, groups), what (verb, resource,
// subresource, namespace, name), from where, and the answer's code, refusals (401, 403) included.
// Size-bounded: past maxBytes the file becomes <file>.1 (older ones shift up to maxFiles) and a
// new one starts. Written synchronously, so a line is on its way to disk before the next request.

import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/** Rotate past this size, bytes (kube-apiserver's --audit-log-maxsize is in MiB; 10 MiB here). */
export const DEFAULT_AUDIT_MAX_BYTES = 10 * 1024 * 1024;
/** Rotated files kept beside the live one (--audit-log-maxbackup). */
export const DEFAULT_AUDIT_MAX_FILES = 5;

export interface AuditEntry {
  ts: string;
  user: string;
  groups: string[];
  /** Who the request acted as, when its user impersonated another (kube-apiserver's impersonatedUser). */
  impersonatedUser?: { username: string; groups: string[] };
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  code: number;
  sourceIP?: string;
  userAgent?: string;
}

export class AuditLog {
  private fd: number;
  private size: number;
  private closed = false;
  private failing = false;
  /** Entries lost to write errors (a full disk), since the start. */
  dropped = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes = DEFAULT_AUDIT_MAX_BYTES,
    private readonly maxFiles = DEFAULT_AUDIT_MAX_FILES,
    /** Told of the first write error after a success (a full disk is reported once, not per request). */
    private readonly onWriteError: (e: Error) => void = () => {},
  ) {
    this.fd = openSync(path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  record(e: AuditEntry): void {
    if (this.closed) return; // a request that finishes while the hub stops
    const line = Buffer.from(`${JSON.stringify(e)}\n`);
    // kube-apiserver's log backend reports a failed write and drops the event; the request is
    // already answered and the hub must not fall over because its disk is full.
    try {
      if (this.size > 0 && this.size + line.length > this.maxBytes) this.rotate();
      writeSync(this.fd, line);
      this.size += line.length;
      this.failing = false;
    } catch (err) {
      this.dropped++;
      if (!this.failing) this.onWriteError(err as Error);
      this.failing = true;
    }
  }

  /** audit.log -> audit.log.1 -> ... -> audit.log.<maxFiles> (dropped). */
  private rotate(): void {
    closeSync(this.fd);
    rmSync(`${this.path}.${this.maxFiles}`, { force: true });
    for (let i = this.maxFiles - 1; i >= 1; i--)
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
