// Embedded aedes broker on plain TCP (node:net). TLS is a second listener on the same aedes
// instance (tls.createServer(opts, aedes.handle)) when it lands. Accept errors (EMFILE) and
// per-socket errors are logged and the broker keeps serving; connections beyond
// maxConnections are refused at accept so the process keeps file descriptors for the store.

import net from 'node:net';
import { Aedes, type Client } from 'aedes';
import type { Logger } from '../../shared/log.js';
import type { BrokerAuth } from './auth.js';
import { type BrokerLimits, DEFAULT_BROKER_LIMITS } from './limits.js';
import { PacketGuard, PacketTooLargeError, QueueLimitError } from './packet-guard.js';
import { createRetainedPersistence } from './retained-persistence.js';

/** Default connection cap: the per-process open-file limit here is 20000. */
export const DEFAULT_MAX_CONNECTIONS = 19_000;

export interface BrokerOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  auth: BrokerAuth;
  maxConnections?: number;
  /** Packet size, CONNECT deadline and queue limits per client. */
  limits?: BrokerLimits;
  log: Logger;
}

/** Clients cut off by a limit since start. */
export interface BrokerLimitStats {
  /** Connections closed for declaring a packet above their limit. */
  oversized: number;
  /** Clients disconnected for not reading what was queued for them. */
  slowConsumers: number;
  /** Publishes and wills from boards whose retain flag was cleared. */
  retainCleared: number;
}

export interface Broker {
  /** mqtt://host:port, with the bound port. */
  url: string;
  port: number;
  /** Open TCP connections (authenticated or not). */
  connections(): number;
  /** Connected, authenticated MQTT clients. */
  clients(): number;
  /** Connections refused because of maxConnections. */
  refused(): number;
  /** Retained messages held. */
  retained(): number;
  limitStats(): BrokerLimitStats;
  /** Whether an MQTT client with this id is connected now. */
  isConnected(clientId: string): boolean;
  /** Drops the client with this id now (no clean DISCONNECT: its last will fires); false if none. */
  disconnect(clientId: string): boolean;
  close(): Promise<void>;
}

export async function startBroker(opts: BrokerOptions): Promise<Broker> {
  const log = opts.log;
  const limits = opts.limits ?? DEFAULT_BROKER_LIMITS;
  const limitStats: BrokerLimitStats = { oversized: 0, slowConsumers: 0, retainCleared: 0 };
  const retained = createRetainedPersistence();
  const aedes = await Aedes.createBroker({
    persistence: retained.persistence,
    // aedes' emitter caps in-flight messages (default 100) and queues the rest; deliveries
    // waiting on a slow subscriber's socket hold those slots, so one stuck client stalls all
    // routing, and when it is released the queue drains recursively (thousands of wills at
    // stop overflowed the stack). 0 = no cap, no queue.
    concurrency: 0,
    connectTimeout: limits.connectTimeoutMs,
    preConnect: opts.auth.preConnect,
    authenticate: opts.auth.authenticate,
    // Only the hub retains (each node's desired state). A board's retained message would be
    // held for as long as the broker runs, on topics whose names it chooses: its retain flag
    // is cleared, on publishes and on its last will alike.
    authorizePublish: (client, packet, cb) =>
      opts.auth.authorizePublish(client, packet, (err) => {
        if (!err && packet.retain && (!client || opts.auth.identityOf(client)?.kind !== 'hub')) {
          packet.retain = false;
          limitStats.retainCleared++;
        }
        cb(err);
      }),
    authorizeSubscribe: opts.auth.authorizeSubscribe,
  });
  aedes.on('clientError', (client, err) => log.debug('client error', { clientId: client?.id, error: err }));
  aedes.on('connectionError', (client, err) =>
    log.debug('connection error', { clientId: client?.id, error: err }),
  );

  // Connected clients by id (aedes keeps its own map but does not type it). A takeover
  // registers the new client before the old one's disconnect, hence the identity check.
  const live = new Map<string, Client>();
  aedes.on('client', (c) => {
    live.set(c.id, c);
    // Authenticated: the hub's own connection carries every node's traffic and is not capped.
    if (c.conn instanceof PacketGuard) {
      if (opts.auth.identityOf(c)?.kind === 'hub')
        c.conn.setLimits(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
      else c.conn.setLimits(limits.maxPacketBytes, limits.maxQueuedBytes);
    }
  });
  aedes.on('clientDisconnect', (c) => {
    if (live.get(c.id) === c) live.delete(c.id);
  });

  const sockets = new Set<net.Socket>();
  let refused = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (err) => log.debug('socket error', { remote: socket.remoteAddress, error: err }));
    // Until it is authenticated a client may send a CONNECT and no more.
    const guard = new PacketGuard(socket, limits.maxConnectPacketBytes, limits.maxQueuedBytes);
    guard.on('error', (err) => {
      if (err instanceof PacketTooLargeError) limitStats.oversized++;
      else if (err instanceof QueueLimitError) limitStats.slowConsumers++;
      else return;
      log.info('client cut off by a broker limit', { remote: socket.remoteAddress, error: err });
    });
    aedes.handle(guard);
  });
  server.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  server.on('drop', () => {
    refused++;
    log.warn('connection refused: too many connections', { max: server.maxConnections });
  });
  // EMFILE and friends on accept: log and keep listening (libuv retries the accept).
  server.on('error', (err) => log.error('broker listener error', { error: err }));

  await new Promise<void>((resolve, reject) => {
    const onErr = (e: Error) => reject(e);
    server.once('error', onErr);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onErr);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  log.info('mqtt broker listening', { host: opts.host, port });

  return {
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    connections: () => sockets.size,
    clients: () => aedes.connectedClients,
    refused: () => refused,
    retained: () => retained.retainedCount(),
    limitStats: () => ({ ...limitStats }),
    isConnected: (clientId) => live.has(clientId),
    disconnect(clientId) {
      const c = live.get(clientId);
      if (!c) return false;
      log.info('disconnecting client', { clientId });
      c.close();
      return true;
    },
    async close() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}
