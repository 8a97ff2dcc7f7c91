// The HTTP API server (kube-apiserver role): routing, discovery, health, metrics, and
// resource requests through ApiCore. It never crashes on bad input: every failure becomes a
// Kubernetes Status.
//
// OpenAPI: only the minimal /openapi/v3 kubectl needs to trust server-side field validation
// (see openapi.ts); /openapi/v2 is 404, which kubectl 1.32 tolerates.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../shared/log.js';
import { Metrics, type Counter, type Histogram } from '../metrics.js';
import type { ApiClient } from './client.js';
import { ApiCore, type SubresourceHandler } from './core.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.js';
import { MethodNotAllowedError, NotImplementedError, PathNotFoundError } from './errors.js';
import { handleResource, verbOf } from './http/resource-handler.js';
import { sendError, sendJson } from './http/respond.js';
import { parseRoute } from './http/route.js';
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
  resolveOptions,
} from './options.js';
import { BodyDecoder } from './http/body.js';
import { YamlDecodePool } from './http/yaml/pool.js';
import { createRegistry, type Registry } from './registry.js';
import { ensureSystemNamespaces } from './bootstrap.js';
import { OpenApiV3 } from './openapi.js';

export interface ApiServer {
  /** `http://host:port` */
  url: string;
  port: number;
  /** In-process client: same validation path as HTTP. */
  client: ApiClient;
  metrics: Metrics;
  /** LISTs served (HTTP and in-process), by resource: drover_api_list_total. */
  lists: Counter;
  registry: Registry;
  /** Serve `/{resource}/{name}/{subresource}` (e.g. pods/log) with fn; replaces the default. */
  registerSubresourceHandler(resource: string, subresource: string, fn: SubresourceHandler): void;
  close(): Promise<void>;
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
  core.registerSubresourceHandler('pods', 'binding', bindingHandler);
  core.registerSubresourceHandler('pods', 'eviction', evictionHandler);
  registerAppsSubresources(core);
  core.registerSubresourceHandler('pods', 'log', logNotImplemented);
  const client = new LocalApiClient(core);
  await ensureSystemNamespaces(client);

  const openapi = new OpenApiV3(registry);
  const ui = new StaticUi(o.uiDir);
  const open = new Set<() => void>();
  const track = (end: () => void) => {
    open.add(end);
    return () => open.delete(end);
  };
  let serverAddress = '';

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    info: { verb: string; resource: string },
  ): Promise<{ verb: string; resource: string }> {
    const url = new URL(req.url ?? '/', 'http://localhost');
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
        case '/metrics':
          res
            .writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' })
            .end(await metrics.render());
          return { verb: 'get', resource: 'metrics' };
      }
    }
    if ((method === 'GET' || method === 'HEAD') && isUiPath(url.pathname)) {
      ui.serve(url.pathname, res);
      return { verb: 'get', resource: 'ui' };
    }
    if (method === 'GET' && (path === '/openapi/v3' || path.startsWith('/openapi/v3/'))) {
      const doc = openapi.get(path);
      if (!doc) throw new PathNotFoundError(path);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(doc);
      return { verb: 'get', resource: 'openapi' };
    }
    const route = parseRoute(path, registry);
    if (!route) throw new PathNotFoundError(path);
    if (route.t !== 'resource') {
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
    const verb = verbOf(method, { name: route.name, watchPath: route.watchPath, query: url.searchParams });
    const resource = route.subresource ? `${route.def.resource}/${route.subresource}` : route.def.resource;
    info.verb = verb;
    info.resource = resource;
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
      track,
    });
    return { verb, resource };
  }

  const server = createServer((req, res) => {
    const t0 = process.hrtime.bigint();
    let info = { verb: (req.method ?? 'GET').toLowerCase(), resource: '' };
    handle(req, res, info)
      .then((i) => {
        info = i;
      })
      .catch((e: unknown) => {
        const code = sendError(res, e, log, res.headersSent ? {} : { Connection: 'close' });
        if (code >= 500) log.warn('request failed', { method: req.method, url: req.url, code });
      })
      .finally(() => {
        const record = () => {
          requests.inc({ verb: info.verb, resource: info.resource, code: String(res.statusCode) });
          if (info.verb !== 'watch')
            latency.observe(Number(process.hrtime.bigint() - t0) / 1e9, {
              verb: info.verb,
              resource: info.resource,
            });
        };
        if (res.writableFinished) record();
        else res.once('close', record);
      });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  serverAddress = `${host}:${port}`;
  log.info('API server listening', { url: `http://${serverAddress}` });

  return {
    url: `http://${serverAddress}`,
    port,
    client,
    metrics,
    lists,
    registry,
    registerSubresourceHandler: (r, s, fn) => core.registerSubresourceHandler(r, s, fn),
    close: async () => {
      await new Promise<void>((resolve) => {
        for (const end of [...open]) end();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await yaml.close();
    },
  };
}
