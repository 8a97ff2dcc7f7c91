// The HTTP API server (kube-apiserver role): routing, discovery, health, metrics, and
// resource requests through ApiCore. It never crashes on bad input: every failure becomes a
// Kubernetes Status.
//
// OpenAPI: /openapi/v3 with the kinds' schemas and what kubectl needs to trust server-side
// field validation (openapi.ts); /openapi/v2 in JSON from the same schemas (openapi-v2.ts).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createLogger } from '../../shared/log.js';
import { Metrics, type Counter, type Histogram } from '../metrics.js';
import { ApiCore, type SubresourceHandler, type WriteAdmission } from './core.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.js';
import {
  MethodNotAllowedError,
  NotAcceptableError,
  NotImplementedError,
  PathNotFoundError,
  UnauthorizedError,
} from './errors.js';
import { API_SERVER_USER, GROUP_MASTERS, type UserInfo } from '../auth/user.js';
import { type Authorize, privilegedGroupAuthorizer, unionAuthorizer } from '../auth/authz.js';
import { auditedUser, impersonation, type RequestUser } from '../auth/impersonation.js';
import { handleResource, verbOf } from './http/resource-handler.js';
import { sendError, sendJson } from './http/respond.js';
import { serveUpgrade, type UpgradeHandler } from './http/upgrade.js';
import { parseRoute } from './http/route.js';
import { parseRequestTarget } from './http/request-target.js';
import { isUiPath, StaticUi } from './http/static-ui.js';
import { LocalApiClient } from './local-client.js';
import { evictionHandler } from './ops/eviction.js';
import { bindingHandler } from './ops/binding.js';
import { registerAppsSubresources } from './resources/apps-scale.js';
import {
  type ApiServerOptions,
  DEFAULT_YAML_DECODE_QUEUE,
  DEFAULT_YAML_MAX_ALIASES,
  DEFAULT_YAML_WORKER_HEAP_MB,
  type ResolvedApiServerOptions,
  resolveOptions,
  type ServerTls,
} from './options.js';
import { BodyDecoder } from './http/body.js';
import { YamlDecodePool } from './http/yaml/pool.js';
import { createRegistry, type Registry } from './registry.js';
import { ensureSystemNamespaces } from './bootstrap.js';
import { OpenApiV3 } from './openapi.js';
import { OpenApiV2 } from './openapi-v2.js';
import { acceptsJson } from './http/accept.js';
import { CrdRegistrar } from './crd/registrar.js';
import { NamespaceLifecycle } from './namespace-lifecycle.js';

export interface ApiServer {
  /** `https://host:port` (`http://` with insecureLoopback); a wildcard listen host reads as 127.0.0.1. */
  url: string;
  port: number;
  /** In-process client: same validation path as HTTP. */
  client: LocalApiClient;
  metrics: Metrics;
  /** LISTs served (HTTP and in-process), by resource: drover_api_list_total. */
  lists: Counter;
  registry: Registry;
  /** Serve `/{resource}/{name}/{subresource}` (e.g. pods/log) with fn; replaces the default. */
  registerSubresourceHandler(resource: string, subresource: string, fn: SubresourceHandler): void;
  /** Serve connection upgrades of `/{resource}/{name}/{subresource}` (e.g. pods/exec) with fn. */
  registerUpgradeHandler(resource: string, subresource: string, fn: UpgradeHandler): void;
  /** The authorizer every request (HTTP and in-process) passes from now on. */
  setAuthorizer(fn: Authorize): void;
  /** Check every create/update of resource with who writes (e.g. RBAC escalation prevention). */
  registerWriteAdmission(resource: string, fn: WriteAdmission): void;
  /** Serve new connections with this certificate (rotation); open ones keep theirs. */
  updateTls(tls: ServerTls): void;
  close(): Promise<void>;
}

/** Node's interval for checking headersTimeout/requestTimeout, ms (default 30 s would let a slow client linger). */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

function secureContextOf(tls: ServerTls) {
  return {
    cert: tls.certPem,
    key: tls.keyPem,
    ...(tls.clientCaPem ? { ca: tls.clientCaPem } : {}),
  };
}

/** HTTPS (client certificates asked for, checked per request by authentication) or loopback HTTP. */
function listenServer(
  o: ResolvedApiServerOptions,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Server | HttpsServer {
  const common = {
    headersTimeout: o.headersTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    keepAliveTimeout: o.keepAliveTimeoutMs,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  };
  const server = o.tls
    ? createHttpsServer(
        {
          ...common,
          ...secureContextOf(o.tls),
          // A certificate from another CA is not a TLS failure: the request goes on unauthenticated
          // and authentication answers 401, as kube-apiserver does.
          requestCert: Boolean(o.tls.clientCaPem),
          rejectUnauthorized: false,
          handshakeTimeout: o.headersTimeoutMs,
        },
        handler,
      )
    : createServer(common, handler);
  server.maxConnections = o.maxConnections;
  return server;
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** What the request log, metrics and audit know of a request once it is routed. */
interface RequestInfo {
  verb: string;
  resource: string;
  /** Who the request acts as (and who authenticated, when impersonating). */
  user?: RequestUser;
  /** Set once the request reached authentication (the open health paths are not audited). */
  audited?: boolean;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** pods/log until the logs issue registers the real handler. */
const logNotImplemented: SubresourceHandler = async (ctx) => {
  throw new NotImplementedError(
    `logs of pod ${ctx.namespace}/${ctx.name} are not available: this hub has no pods/log handler yet`,
  );
};

export async function createApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const o = resolveOptions(options);
  const log = o.log ?? createLogger('api');
  const metrics = o.metrics ?? new Metrics();
  const yaml = new YamlDecodePool({
    maxDepth: o.maxBodyDepth,
    maxAliasCount: DEFAULT_YAML_MAX_ALIASES,
    // Aliases may expand a document; past a few times the body limit it is a bomb.
    maxJsonChars: 4 * o.maxBodyBytes,
    timeoutMs: o.yamlDecodeTimeoutMs,
    maxQueue: DEFAULT_YAML_DECODE_QUEUE,
    maxHeapMb: DEFAULT_YAML_WORKER_HEAP_MB,
  });
  const body = new BodyDecoder(o.maxBodyBytes, o.maxBodyDepth, yaml);
  const requests: Counter = metrics.counter(
    'apiserver_request_total',
    'Counter of apiserver requests broken out for each verb, resource, and HTTP response code.',
  );
  const latency: Histogram = metrics.histogram(
    'apiserver_request_duration_seconds',
    'Response latency distribution in seconds for each verb and resource (watches excluded).',
  );
  const watchers = metrics.gauge('apiserver_registered_watchers', 'Number of currently open watches.');
  watchers.set(0);
  metrics.gauge('drover_store_revision', 'Current revision of the store.', () => o.store.revision());
  const lists = metrics.counter('drover_api_list_total', 'LISTs served (HTTP and in-process), by resource.');

  const registry = createRegistry();
  const core = new ApiCore(o.store, registry, log, watchers, lists);
  core.serviceRanges = o.serviceRanges;
  core.audit = o.audit;
  core.namespaces = await NamespaceLifecycle.start(o.store, log);
  core.registerSubresourceHandler('pods', 'binding', bindingHandler);
  core.registerSubresourceHandler('pods', 'eviction', evictionHandler);
  registerAppsSubresources(core);
  core.registerSubresourceHandler('pods', 'log', logNotImplemented);
  // Until the hub sets its authorizer (RBAC needs its informers), only system:masters may act.
  if (o.tls) core.setAuthorizer(unionAuthorizer([privilegedGroupAuthorizer([GROUP_MASTERS])]));
  const client = new LocalApiClient(core);
  await ensureSystemNamespaces(client);
  // Every API server serves the kinds CRDs define (as each kube-apiserver does).
  const crds = new CrdRegistrar(core, log);
  await crds.start();
  // Loopback test servers act as the API server itself; a hub authenticates every request.
  const authenticate = o.authentication?.(client) ?? (async () => API_SERVER_USER);
  // Authentication, then impersonation headers (each part authorized for the authenticated user).
  // A refused impersonation is audited under the authenticated user (told through authenticated).
  const identify = async (
    req: IncomingMessage,
    authenticated: (u: UserInfo) => void,
  ): Promise<RequestUser> => {
    const real = await authenticate(req);
    authenticated(real);
    return impersonation(req, real, (u, a) => core.authorize(u, a));
  };

  const openapi = new OpenApiV3(registry);
  const openapiV2 = new OpenApiV2(registry);
  const ui = new StaticUi(o.uiDir);
  const open = new Set<() => void>();
  const track = (end: () => void) => {
    open.add(end);
    return () => open.delete(end);
  };
  let serverAddress = '';

  async function serveNonResource(
    res: ServerResponse,
    path: string,
    method: string,
    route: ReturnType<typeof parseRoute>,
    accept: string | undefined,
  ): Promise<{ verb: string; resource: string }> {
    if (method === 'GET' && path === '/metrics') {
      res
        .writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' })
        .end(await metrics.render());
      return { verb: 'get', resource: 'metrics' };
    }
    if (method === 'GET' && path === '/openapi/v2') {
      if (!acceptsJson(accept)) throw new NotAcceptableError('application/json');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(openapiV2.get());
      return { verb: 'get', resource: 'openapi' };
    }
    if (method === 'GET' && (path === '/openapi/v3' || path.startsWith('/openapi/v3/'))) {
      const doc = openapi.get(path);
      if (!doc) throw new PathNotFoundError(path);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(doc);
      return { verb: 'get', resource: 'openapi' };
    }
    if (!route || route.t === 'resource') throw new PathNotFoundError(path);
    if (method !== 'GET') throw new MethodNotAllowedError(method, path);
    const doc =
      route.t === 'api'
        ? apiVersions(serverAddress)
        : route.t === 'apis'
          ? apiGroupList(registry)
          : route.t === 'group'
            ? apiGroup(registry, route.group)
            : apiResourceList(registry, route.group, route.version);
    if (!doc) throw new PathNotFoundError(path);
    sendJson(res, 200, doc);
    return { verb: 'get', resource: 'discovery' };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<RequestInfo> {
    const url = parseRequestTarget(req.url);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (method === 'GET') {
      switch (path) {
        case '/healthz':
        case '/readyz':
        case '/livez':
          await o.store.revision(); // proves the store answers
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
          return { verb: 'get', resource: path.slice(1) };
        case '/version':
          sendJson(res, 200, SERVER_VERSION);
          return { verb: 'get', resource: 'version' };
      }
    }
    // The dashboard's static files are public, as any web page's; its API calls are not.
    if ((method === 'GET' || method === 'HEAD') && isUiPath(url.pathname)) {
      ui.serve(url.pathname, res);
      return { verb: 'get', resource: 'ui' };
    }
    // Everything below needs a user: the health and version paths above are open, as kube-apiserver's.
    info.audited = true;
    info.user = await identify(req, (real) => {
      info.user = { user: real };
    });
    const user = info.user.user;
    const route = parseRoute(path, registry);
    if (route?.t !== 'resource') {
      // Non-resource paths (metrics, OpenAPI, discovery) pass the same authorizer by URL.
      await core.authorize(user, { kind: 'nonResource', verb: method.toLowerCase(), path });
      return { ...info, ...(await serveNonResource(res, path, method, route, req.headers.accept)) };
    }
    const verb = verbOf(method, { name: route.name, watchPath: route.watchPath, query: url.searchParams });
    info.verb = verb;
    info.resource = route.def.resource;
    info.namespace = route.namespace;
    info.name = route.name;
    info.subresource = route.subresource;
    await handleResource(req, res, {
      core,
      def: route.def,
      namespace: route.namespace,
      name: route.name,
      subresource: route.subresource,
      watchPath: route.watchPath,
      query: url.searchParams,
      body,
      bookmarkIntervalMs: o.bookmarkIntervalMs,
      user,
      track,
    });
    return { ...info, verb };
  }

  const server = listenServer(o, (req, res) => {
    const t0 = process.hrtime.bigint();
    let info: RequestInfo = { verb: (req.method ?? 'GET').toLowerCase(), resource: '' };
    handle(req, res, info)
      .then((i) => {
        info = i;
      })
      .catch((e: unknown) => {
        const code = sendError(res, e, log, res.headersSent ? {} : { Connection: 'close' });
        if (code >= 500) log.warn('request failed', { method: req.method, url: req.url, code });
        if (e instanceof UnauthorizedError)
          log.debug('request not authenticated', { url: req.url, why: e.why.join('; ') || 'no credential' });
      })
      .finally(() => {
        const record = () => {
          const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
          requests.inc({ verb: info.verb, resource, code: String(res.statusCode) });
          if (info.audited && o.audit)
            o.audit({
              ts: new Date().toISOString(),
              ...auditedUser(info.user),
              verb: info.verb,
              resource: info.resource || (req.url ?? '').split('?')[0] || '',
              ...(info.subresource ? { subresource: info.subresource } : {}),
              ...(info.namespace ? { namespace: info.namespace } : {}),
              ...(info.name ? { name: info.name } : {}),
              code: res.statusCode,
              ...(req.socket.remoteAddress ? { sourceIP: req.socket.remoteAddress } : {}),
              ...(req.headers['user-agent']
                ? { userAgent: String(req.headers['user-agent']).slice(0, 256) }
                : {}),
            });
          if (info.verb !== 'watch')
            latency.observe(Number(process.hrtime.bigint() - t0) / 1e9, { verb: info.verb, resource });
        };
        // Counted once the handler is done and the status is sent (as kube-apiserver's
        // instrumentation wraps the handler). Waiting for the socket to be drained let a client
        // read the answer and scrape /metrics before the request was counted.
        if (res.headersSent) record();
        else res.once('close', record);
      });
  });
  const upgradeHandlers = new Map<string, UpgradeHandler>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void serveUpgrade(
      { registry, core, identify, handlers: upgradeHandlers, log, audit: o.audit, track },
      req,
      socket,
      head,
    );
  });
  server.on('clientError', (err: Error & { code?: string }, socket) => {
    // A TLS failure (handshake timeout: a slow-loris that never says hello) has no HTTP channel
    // to answer on: end() would wait for a handshake that never comes, so the socket is dropped.
    if (!socket.writable || /^ERR_(TLS|SSL)/.test(err.code ?? '')) {
      socket.destroy();
      return;
    }
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const dialHost = WILDCARD.has(o.host) ? '127.0.0.1' : o.host;
  const host = dialHost.includes(':') ? `[${dialHost}]` : dialHost;
  serverAddress = `${host}:${port}`;
  const url = `${o.tls ? 'https' : 'http'}://${serverAddress}`;
  log.info('API server listening', { url, listen: o.host });

  return {
    url,
    port,
    client,
    metrics,
    lists,
    registry,
    registerSubresourceHandler: (r, s, fn) => core.registerSubresourceHandler(r, s, fn),
    registerUpgradeHandler: (r, s, fn) => upgradeHandlers.set(`${r}/${s}`, fn),
    setAuthorizer: (fn) => core.setAuthorizer(fn),
    registerWriteAdmission: (resource, fn) => core.registerWriteAdmission(resource, fn),
    updateTls(tls) {
      if (!('setSecureContext' in server)) throw new Error('updateTls on a plain HTTP server');
      server.setSecureContext(secureContextOf(tls));
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        for (const end of [...open]) end();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await crds.stop();
      core.namespaces?.close();
      await yaml.close();
    },
  };
}
