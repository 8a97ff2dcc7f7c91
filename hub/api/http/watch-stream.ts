// Serves a watch as a chunked stream of newline-delimited {"type","object"} JSON events.
// Table-wrapped when kubectl asks (`get -w`). A failure before the stream starts is an HTTP
// Status (410 Gone for a compacted resourceVersion); after, an ERROR event ends the stream.
// An object sent as stored is serialized once for every stream that sends it (sharedJson).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject, WatchEvent } from '../../../shared/api/types.js';
import { CompactedError } from '../../store/errors.js';
import type { ApiCore } from '../core.js';
import { BadRequestError } from '../errors.js';
import { bookmarkObject, goneFor, type ObjectWatch, watchObjects } from '../ops/watch.js';
import type { ResourceDef } from '../resource.js';
import { sharedJson } from '../shared-objects.js';
import { defaultTable, type IncludeObject, toTable } from '../table.js';
import type { TableRequest } from './accept.js';
import { toApiError } from './respond.js';

/** Longest watch when the client gives no timeoutSeconds (kube's --min-request-timeout), seconds. */
export const DEFAULT_WATCH_TIMEOUT_SECONDS = 1800;

export interface WatchStreamOptions {
  core: ApiCore;
  def: ResourceDef;
  namespace: string | undefined;
  query: URLSearchParams;
  table?: TableRequest;
  include: IncludeObject;
  /** Registers the stream so the server can end it on close(). */
  track(end: () => void): () => void;
  /** Interval between BOOKMARK events when the client allows them, ms. */
  bookmarkIntervalMs: number;
  /** Stored object -> the version the client asked for (a converted version's watch). */
  convert?: (o: KubeObject) => KubeObject;
}

export async function serveWatch(
  req: IncomingMessage,
  res: ServerResponse,
  o: WatchStreamOptions,
): Promise<void> {
  const q = o.query;
  const ts = q.get('timeoutSeconds');
  if (ts !== null && !/^\d+$/.test(ts))
    throw new BadRequestError(`timeoutSeconds "${ts}" must be a whole number of seconds`);
  const timeoutSeconds = ts !== null ? Number(ts) : DEFAULT_WATCH_TIMEOUT_SECONDS;
  const rv = q.get('resourceVersion') ?? undefined;
  const sie = q.get('sendInitialEvents');
  // kube semantics: no resourceVersion (or "0") = the current state as ADDED events first.
  const sendInitialEvents = sie !== null ? sie === 'true' : !rv || rv === '0';
  const bookmarks = q.get('allowWatchBookmarks') === 'true';

  let started = false;
  const pending: string[] = [];
  const encode = (ev: WatchEvent<KubeObject>): string => {
    const stored = ev.type !== 'ERROR' && ev.type !== 'BOOKMARK';
    // A stored object sent as it is: shared and never changed, so its text is made once.
    if (stored && !o.table && !o.convert) return `{"type":"${ev.type}","object":${sharedJson(ev.object)}}\n`;
    let object: unknown = ev.object;
    if (stored && o.table) {
      const t = toTable(o.def.table ?? defaultTable, [ev.object], o.include, {
        resourceVersion: ev.object.metadata?.resourceVersion,
      });
      object = { ...t, apiVersion: o.table.apiVersion };
    } else if (stored && o.convert) {
      object = o.convert(ev.object);
    }
    return `${JSON.stringify({ type: ev.type, object })}\n`;
  };
  const write = (line: string) => {
    if (!started) pending.push(line);
    else if (!res.writableEnded) res.write(line);
  };
  let finished = false;
  let untrack = () => {};
  let timer: NodeJS.Timeout | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let watch: ObjectWatch | undefined;
  const bookmark = () => {
    if (watch) write(encode({ type: 'BOOKMARK', object: bookmarkObject(o.def, watch.revision()) }));
  };
  const finish = (reason?: 'timeout') => {
    if (finished) return;
    // Before a watch ends by its timeout, a last BOOKMARK lets the client resume from here.
    if (reason === 'timeout' && bookmarks) bookmark();
    finished = true;
    if (timer) clearTimeout(timer);
    if (ticker) clearInterval(ticker);
    watch?.close();
    untrack();
    if (!res.writableEnded) res.end();
  };
  watch = await watchObjects(
    o.core,
    o.def,
    o.namespace,
    {
      resourceVersion: rv,
      sendInitialEvents,
      ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
      ...(q.get('fieldSelector') ? { fieldSelector: q.get('fieldSelector')! } : {}),
    },
    (ev) => write(encode(ev)),
    (err) => {
      if (err) {
        const e = err instanceof CompactedError ? goneFor(err) : toApiError(err);
        write(`${JSON.stringify({ type: 'ERROR', object: e.toStatus() })}\n`);
      }
      finish();
    },
    // Streaming lists (KEP-3157): the initial events end with an annotated BOOKMARK.
    sie === 'true' && bookmarks,
  );
  if (finished) return;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  started = true;
  for (const line of pending) res.write(line);
  pending.length = 0;
  untrack = o.track(finish);
  timer = setTimeout(() => finish('timeout'), timeoutSeconds * 1000);
  if (bookmarks) ticker = setInterval(bookmark, o.bookmarkIntervalMs);
  req.on('close', () => finish());
  res.on('close', () => finish());
}
