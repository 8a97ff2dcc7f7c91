// Writing responses: JSON objects, Status errors, and the Table form when asked.

import type { ServerResponse } from 'node:http';
import type { Logger } from '../../../shared/log.js';
import { StoreClosedError, StoreFullError } from '../../store/errors.js';
import { ApiError, InternalError, ServiceUnavailableError } from '../errors.js';

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(text);
}

export function toApiError(e: unknown, log?: Logger): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof StoreClosedError)
    return new ServiceUnavailableError('the store is closed: the hub is shutting down');
  // kube-apiserver answers etcd's "database space exceeded" with 500 InternalError, the cause
  // in the message; an expected condition of the disk, not a bug: no stack in the log.
  if (e instanceof StoreFullError) return new InternalError(e.message);
  log?.error('unexpected error serving a request', {
    err: e instanceof Error ? (e.stack ?? e.message) : String(e),
  });
  return new InternalError(e instanceof Error ? e.message : String(e));
}

export function sendError(
  res: ServerResponse,
  e: unknown,
  log?: Logger,
  headers: Record<string, string> = {},
): number {
  const err = toApiError(e, log);
  sendJson(res, err.code, err.toStatus(), headers);
  return err.code;
}

/** `Warning: 299 - "text"` headers, as kube-apiserver sends them. */
export function warningHeaders(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}
