// Connection upgrades (kubectl exec's WebSocket, and its SPDY fallback): the same steps as an
// ordinary request (route, authenticate, authorize, audit) before a subresource's upgrade
// handler takes the socket. A refusal before the handshake is an HTTP response carrying a
// Status, which kubectl prints as it prints any API error.

import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../../shared/log.js';
import type { AuditEntry } from '../../audit/log.js';
import { auditedUser, type RequestUser } from '../../auth/impersonation.js';
import type { UserInfo } from '../../auth/user.js';
import { ApiCore } from '../core.js';
import { BadRequestError, PathNotFoundError } from '../errors.js';
import type { Registry } from '../registry.js';
import type { ResourceDef } from '../resource.js';
import { toApiError } from './respond.js';
import { parseRoute } from './route.js';

export interface UpgradeContext {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  def: ResourceDef;
  namespace: string;
  name: string;
  query: URLSearchParams;
  user: UserInfo;
}

/**
 * Serves one upgrade. Throw an ApiError to refuse before the handshake; after the handshake
 * the handler owns the socket and ends it itself.
 */
export type UpgradeHandler = (ctx: UpgradeContext) => Promise<void>;

export interface UpgradeDeps {
  registry: Registry;
  core: ApiCore;
  /** Authentication and impersonation (the request's user, and who authenticated). */
  identify(req: IncomingMessage, authenticated: (u: UserInfo) => void): Promise<RequestUser>;
  handlers: ReadonlyMap<string, UpgradeHandler>;
  log: Logger;
  audit?: (e: AuditEntry) => void;
  /** Registers an open socket so the server's close ends it; returns the unregister function. */
  track(end: () => void): () => void;
}

/** Answers a refused upgrade with the error's Status and closes the socket. */
export function refuseUpgrade(socket: Duplex, e: unknown, log: Logger): number {
  const err = toApiError(e, log);
  const body = JSON.stringify(err.toStatus());
  if (socket.writable)
    socket.end(
      `HTTP/1.1 ${err.code} ${STATUS_CODES[err.code] ?? 'Error'}\r\n` +
        'Content-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  return err.code;
}

export async function serveUpgrade(
  d: UpgradeDeps,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  let who: RequestUser | undefined;
  let code = 101;
  let route: ReturnType<typeof parseRoute>;
  const untrack = d.track(() => socket.destroy());
  socket.once('close', untrack);
  try {
    route = parseRoute(path, d.registry);
    who = await d.identify(req, (real) => {
      who = { user: real };
    });
    const user = who.user;
    if (route?.t !== 'resource' || !route.name || !route.subresource) throw new PathNotFoundError(path);
    const handler = d.handlers.get(`${route.def.resource}/${route.subresource}`);
    if (!handler) throw new BadRequestError(`${route.def.resource}/${route.subresource} cannot be upgraded`);
    // kube-apiserver authorizes exec/attach/portforward as `create` whether they come as the SPDY
    // POST or the WebSocket GET (AuthorizePodWebsocketUpgradeCreatePermission, on since 1.31).
    await d.core.authorize(
      user,
      ApiCore.attributes(route.def, 'create', route.namespace, route.name, route.subresource),
    );
    await handler({
      req,
      socket,
      head,
      def: route.def,
      namespace: route.namespace ?? 'default',
      name: route.name,
      query: url.searchParams,
      user,
    });
  } catch (e) {
    code = refuseUpgrade(socket, e, d.log);
  } finally {
    const r = route?.t === 'resource' ? route : undefined;
    if (who && d.audit)
      d.audit({
        ts: new Date().toISOString(),
        ...auditedUser(who),
        verb: 'create',
        resource: r?.def.resource ?? path,
        ...(r?.subresource ? { subresource: r.subresource } : {}),
        ...(r?.namespace ? { namespace: r.namespace } : {}),
        ...(r?.name ? { name: r.name } : {}),
        code,
        ...(req.socket.remoteAddress ? { sourceIP: req.socket.remoteAddress } : {}),
      });
  }
}
