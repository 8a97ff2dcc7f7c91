// The kube-proxy role of the agent, in userspace (docs/architecture.md says why): a TCP
// listener per Service address (ClusterIP:port, nodeIp:nodePort) that splices each connection
// to a Ready endpoint, this board's first (round robin), then other boards' through their
// relays; a backend that does not accept is skipped for the next (up to maxAttempts), and a
// Service without Ready endpoints refuses at once (as kube-proxy's REJECT). Routes change in
// place when the hub's table changes; open connections keep their backend.

import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../shared/log.js';
import type { ServiceTable } from '../../shared/protocol/messages.js';
import { ClusterIps } from './cluster-ips.js';
import { connectBackend } from './connect.js';
import type { ProxyOptions } from './options.js';
import { Relay } from './relay.js';
import { ANY_ADDRESS, buildRoutes, candidates, localTargets, type Route } from './routes.js';
import { splice } from './splice.js';

interface Listener {
  server: Server;
  route: Route;
  rr: number;
}

export interface ProxyStats {
  connections: number;
  /** Connections refused: no Ready endpoint, or none of the tried ones accepted. */
  refused: number;
  /** Backends that did not accept and were skipped for the next. */
  retries: number;
}

export class ServiceProxy {
  private readonly listeners = new Map<string, Listener>();
  /** host:port that could not be bound, with the reason (said once). */
  private readonly unbound = new Map<string, string>();
  private targets = new Set<string>();
  private readonly relay: Relay;
  private readonly clusterIps: ClusterIps;
  private applying: Promise<void> = Promise.resolve();
  private stopped = false;
  readonly stats: ProxyStats = { connections: 0, refused: 0, retries: 0 };

  constructor(
    private readonly o: ProxyOptions,
    private readonly log: Logger,
  ) {
    this.relay = new Relay({
      host: o.relayHost,
      port: o.relayPort,
      headerTimeoutMs: o.relayHeaderTimeoutMs,
      connectTimeoutMs: o.connectTimeoutMs,
      allowed: (t) => this.targets.has(t),
      log,
    });
    this.clusterIps = new ClusterIps(o.clusterIpInterface, log, o.clusterIpStateFile);
  }

  async start(): Promise<void> {
    try {
      await this.relay.start();
    } catch (e) {
      // Without the relay this board still proxies; other boards cannot reach its pods.
      this.log.warn('proxy relay cannot listen; other boards will not reach pods here', {
        port: this.o.relayPort,
        error: (e as Error).message,
      });
    }
  }

  /** Serves table from now on (calls are applied in order). */
  apply(table: Pick<ServiceTable, 'services' | 'nodes'>): Promise<void> {
    this.applying = this.applying
      .then(() => this.applyNow(table))
      .catch((e: Error) => this.log.warn('service table apply failed', { error: e.message }));
    return this.applying;
  }

  /** Addresses being served now (host:port), for tests and logs. */
  serving(): string[] {
    return [...this.listeners.keys()].sort();
  }

  private async applyNow(table: Pick<ServiceTable, 'services' | 'nodes'>): Promise<void> {
    if (this.stopped) return;
    this.targets = localTargets(table, this.o.nodeName);
    const routes = buildRoutes(table, this.o.nodeName, this.o.nodeIp, this.o.relayPort);
    const want = new Map<string, Route>();
    for (const r of routes) for (const l of r.listen) want.set(`${l.host}:${l.port}`, r);
    for (const [key, l] of this.listeners)
      if (!want.has(key)) {
        l.server.close();
        this.listeners.delete(key);
      }
    for (const [key, route] of want) {
      const cur = this.listeners.get(key);
      if (cur) {
        cur.route = route;
        continue;
      }
      const l = route.listen.find((x) => `${x.host}:${x.port}` === key);
      if (l) await this.listen(key, l.host, l.port, route);
    }
    if (this.o.manageClusterIps)
      await this.clusterIps.prune(
        new Set(table.services.map((s) => s.clusterIP).filter((x): x is string => !!x)),
      );
  }

  private async listen(key: string, host: string, port: number, route: Route): Promise<void> {
    const entry: Listener = {
      server: createServer({ pauseOnConnect: true, allowHalfOpen: true }),
      route,
      rr: 0,
    };
    entry.server.on('connection', (s) => void this.onConnection(entry, s));
    let err = await bind(entry.server, host, port);
    if (err?.code === 'EADDRNOTAVAIL' && this.o.manageClusterIps && host !== ANY_ADDRESS) {
      try {
        await this.clusterIps.add(host);
        err = await bind(entry.server, host, port);
      } catch (e) {
        err = Object.assign(new Error((e as Error).message), { code: 'EADDRNOTAVAIL' });
      }
    }
    if (err) {
      if (this.unbound.get(key) !== err.code)
        this.log.warn('cannot serve a Service address here', {
          address: key,
          service: route.key,
          error: err.message,
        });
      this.unbound.set(key, err.code ?? 'error');
      return;
    }
    this.unbound.delete(key);
    entry.server.on('error', (e) =>
      this.log.warn('proxy listener error', { address: key, error: e.message }),
    );
    this.listeners.set(key, entry);
    this.log.debug('serving', { address: key, service: route.key });
  }

  private async onConnection(l: Listener, client: Socket): Promise<void> {
    this.stats.connections++;
    client.on('error', () => client.destroy());
    const order = candidates(l.route, l.rr++).slice(0, this.o.maxAttempts);
    for (const b of order) {
      try {
        const { socket, early } = await connectBackend(b, this.o.connectTimeoutMs);
        if (client.destroyed) {
          socket.destroy();
          return;
        }
        if (early.length) client.write(early);
        splice(client, socket);
        return;
      } catch (e) {
        this.stats.retries++;
        this.log.debug('backend did not accept, trying the next', {
          service: l.route.key,
          error: (e as Error).message,
        });
      }
    }
    this.stats.refused++;
    this.log.debug('connection refused: no Ready backend accepted', {
      service: l.route.key,
      backends: order.length,
    });
    client.resetAndDestroy?.() ?? client.destroy();
  }

  stop(): void {
    this.stopped = true;
    this.relay.stop();
    for (const l of this.listeners.values()) l.server.close();
    this.listeners.clear();
  }
}

/** listen(); resolves with the error instead of throwing. */
function bind(server: Server, host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const onErr = (e: NodeJS.ErrnoException) => resolve(e);
    server.once('error', onErr);
    server.listen(port, host, () => {
      server.off('error', onErr);
      resolve(undefined);
    });
  });
}
