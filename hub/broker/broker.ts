// Embedded aedes broker. Listeners on one aedes instance: MQTTS (the hub's serving
// certificate) by default, plain TCP only when asked (plainPort), and an in-process link for
// the hub's own gateway (local-link.ts). Accept errors (EMFILE) and per-socket errors are
// logged and the broker keeps serving; connections beyond maxConnections (per listener) are
// refused at accept, before any TLS work, so a flood costs little and the process keeps file
// descriptors for the store. The CONNECT deadline (limits.connectTimeoutMs) covers the TLS
// handshake too. At most limits.maxConnecting connections are between accept and CONNACK at
// once (admission.ts); one accepted beyond that is closed at once, before its TLS handshake.

import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import mqttPacket from 'mqtt-packet';
import type { Logger } from '../../shared/log.js';
import { type AdmissionStats, ConnectAdmission } from './admission.js';
import { LoopLag } from './loop-lag.js';
import type { BrokerAuth } from './auth.js';
import { type BrokerLimits, DEFAULT_BROKER_LIMITS } from './limits.js';
import { duplexPair } from './local-link.js';
import { GuardedTlsSocket } from './guarded-tls-socket.js';
import { PacketGuard, PacketTooLargeError, QueueLimitError } from './packet-guard.js';
import { createRetainedPersistence } from './retained-persistence.js';
import { carriesSecrets } from './secrets-over-tls.js';
import { TLS_RECORD_BYTES } from './tls-records.js';
import { TopicEmitter } from './topic-emitter.js';

/** Default connection cap: the per-process open-file limit here is 20000. */
export const DEFAULT_MAX_CONNECTIONS = 19_000;

export interface BrokerTls {
  /** PEM: the serving certificate, then the CA (boards pin the CA from this chain). */
  certPem: string;
  keyPem: string;
}

export interface BrokerOptions {
  host: string;
  /** Main listener: MQTTS when `tls` is given, else plain. 0 = any free port. */
  port: number;
  tls?: BrokerTls;
  /** An extra plain-TCP listener on host (bench, legacy boards); absent = none. 0 = any free port. */
  plainPort?: number;
  auth: BrokerAuth;
  maxConnections?: number;
  /** Packet size, CONNECT deadline and queue limits per client. */
  limits?: BrokerLimits;
  /** A client was cut off by a limit (its id once it had connected), for events. */
  onCutOff?: (clientId: string | undefined, reason: CutOffReason, err: Error) => void;
  log: Logger;
}

export type CutOffReason = 'oversized' | 'slow-consumer';

/** A tapped message: its topic and payload (the broker's own, not to be changed). */
export type TapHandler = (topic: string, payload: Buffer) => void;

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
  /** mqtts://host:port (mqtt:// without tls), with the bound port. */
  url: string;
  port: number;
  /** mqtt://host:port of the plain listener, when there is one. */
  plainUrl?: string;
  /** A new in-process connection for the hub's own MQTT client. */
  localStream(): Duplex;
  /**
   * Hands each message published on a topic matching filter to handler, in the broker's own
   * routing: no MQTT client between (no packet written, parsed and acknowledged once more, no
   * turn of the loop per message). Resolves with the undo.
   */
  tap(filter: string, handler: TapHandler): Promise<() => void>;
  /** Serves a new certificate to new connections (rotation). */
  setCertificate(t: BrokerTls): void;
  /** Desired states not sent to a board on a plain connection because they carry Secrets. */
  secretsWithheld(): number;
  /** Open TCP connections (authenticated or not). */
  connections(): number;
  /** Connected, authenticated MQTT clients. */
  clients(): number;
  /** Connections refused because of maxConnections. */
  refused(): number;
  /** Retained messages held. */
  retained(): number;
  /** Memory held by the retained payloads, bytes (a scan over them: for metrics and tests). */
  retainedBytes(): number;
  limitStats(): BrokerLimitStats;
  /** Connections between accept and CONNACK, and the attempts shed over the bound. */
  admissionStats(): AdmissionStats;
  /** Whether an MQTT client with this id is connected now. */
  isConnected(clientId: string): boolean;
  /** When the client with this id connected (its CONNACK), ms since epoch; undefined: not connected. */
  connectedAt(clientId: string): number | undefined;
  /** Drops the client with this id now (no clean DISCONNECT: its last will fires); false if none. */
  disconnect(clientId: string): boolean;
  /**
   * Lets every board go and takes none until release(): their connections are closed and new
   * ones closed at accept, so boards move to another hub in their list (the hub's own
   * connection stays). Returns how many boards were let go.
   */
  hold(reason: string): number;
  release(): void;
  /** Whether hold() is in force. */
  held(): boolean;
  close(): Promise<void>;
}

export async function startBroker(opts: BrokerOptions): Promise<Broker> {
  // mqtt-packet (aedes' writer, and the hub's own client's) otherwise builds, at its first
  // write, a 2-byte Buffer for each of the 65,536 message ids and keeps them: ~7 MB of heap in
  // every hub. Without the table it makes the id's two bytes per packet.
  mqttPacket.writeToStream.cacheNumbers = false;
  const log = opts.log;
  const limits = opts.limits ?? DEFAULT_BROKER_LIMITS;
  const limitStats: BrokerLimitStats = { oversized: 0, slowConsumers: 0, retainCleared: 0 };
  const retained = createRetainedPersistence();
  // What aedes reads from for each plain-listener client: Secrets never reach a board over them.
  const plainConns = new WeakSet<object>();
  // A socket accepted while the loop runs a whole CONNECT deadline late waited about that long in
  // the accept queue: its client's own connect timer (the agent's is 10 s too) has run out.
  const loopLag = new LoopLag();
  const admission = new ConnectAdmission(limits.maxConnecting, log, {
    lagMs: () => loopLag.lagMs(),
    maxLagMs: limits.connectTimeoutMs,
  });
  /** Each connecting guard's admission slot, given back at its CONNACK (or its close). */
  const slotOf = new WeakMap<object, () => void>();
  let withheld = 0;
  const aedes = await Aedes.createBroker({
    persistence: retained.persistence,
    // aedes' emitter caps in-flight messages (default 100) and queues the rest; deliveries
    // waiting on a slow subscriber's socket hold those slots, so one stuck client stalls all
    // routing, and when it is released the queue drains recursively (thousands of wills at
    // stop overflowed the stack). 0 = no cap, no queue.
    concurrency: 0,
    // Subscriptions in a table of our own, not mqemitter's trie (~1.5 KiB less per board).
    mq: new TopicEmitter(),
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
    // Issue #15: Secrets travel to agents only over TLS. A desired state that carries Secrets
    // is not delivered on a plain connection (the board gets it once it connects over MQTTS).
    authorizeForward: (client, packet) => {
      if (!plainConns.has(client.conn) || !carriesSecrets(packet.topic, packet.payload)) return packet;
      withheld++;
      log.warn('desired state with Secrets not sent over plain MQTT; connect the board with mqtts://', {
        clientId: client.id,
        topic: packet.topic,
      });
      return null;
    },
  });
  aedes.on('clientError', (client, err) => log.debug('client error', { clientId: client?.id, error: err }));
  aedes.on('connectionError', (client, err) =>
    log.debug('connection error', { clientId: client?.id, error: err }),
  );

  // Connected clients by id (aedes keeps its own map but does not type it). A takeover
  // registers the new client before the old one's disconnect, hence the identity check.
  const live = new Map<string, Client>();
  const liveSince = new Map<string, number>();
  /** The client id behind each guarded connection, once it has connected. */
  const clientIdOf = new WeakMap<object, string>();
  aedes.on('client', (c) => {
    const connected = slotOf.get(c.conn);
    slotOf.delete(c.conn);
    connected?.();
    live.set(c.id, c);
    liveSince.set(c.id, Date.now());
    clientIdOf.set(c.conn, c.id);
    // Authenticated: the hub's own connection carries every node's traffic and is not capped.
    if (c.conn instanceof PacketGuard || c.conn instanceof GuardedTlsSocket) {
      if (opts.auth.identityOf(c)?.kind === 'hub')
        c.conn.setLimits(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
      else c.conn.setLimits(limits.maxPacketBytes, limits.maxQueuedBytes);
    }
  });
  aedes.on('clientDisconnect', (c) => {
    if (live.get(c.id) === c) {
      live.delete(c.id);
      liveSince.delete(c.id);
    }
  });

  const sockets = new Set<net.Socket>();
  let refused = 0;
  /** While set, hold()'s reason: boards are let go and not taken. */
  let holdReason: string | undefined;
  const maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  // Listeners shared by every connection (`this` is the socket), not closures made per board.
  function untrack(this: net.Socket): void {
    sockets.delete(this);
  }
  function onSocketError(this: net.Socket, err: Error): void {
    log.debug('socket error', { remote: this.remoteAddress, error: err });
  }
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', untrack);
    socket.on('error', onSocketError);
  };
  /**
   * Each accepted socket gets the CONNECT deadline (accept to CONNACK, TLS handshake included).
   * Its first bytes (a ClientHello, a CONNECT) ask for an admission slot: an idle socket costs
   * nothing but a file descriptor (capped by maxConnections) and holds no slot, so idle sockets
   * cannot crowd boards out. Over the bound the socket is closed before any TLS or MQTT work;
   * admitted, start() runs the expensive part and the slot is held until CONNACK or close.
   */
  const accept = (raw: net.Socket, start: (done: () => void) => void) => {
    if (holdReason !== undefined) {
      raw.destroy();
      return;
    }
    const deadline = setTimeout(() => raw.destroy(), limits.connectTimeoutMs);
    const clear = () => clearTimeout(deadline);
    raw.once('close', clear);
    const onFirstBytes = () => {
      raw.off('readable', onFirstBytes);
      const release = raw.readableLength > 0 ? admission.admit() : undefined; // 0: closed without a byte
      if (!release) {
        raw.destroy();
        return;
      }
      raw.once('close', release);
      start(() => {
        // Connected: nothing of the attempt stays with the connection for its life (the
        // timer, these listeners and what they hold: ~0.4 KiB per board).
        raw.off('close', clear);
        raw.off('close', release);
        clear();
        release();
      });
    };
    raw.on('readable', onFirstBytes);
  };
  /** A guard's error: a client cut off by a limit is counted and logged (shared by all guards). */
  function onGuardError(this: PacketGuard | GuardedTlsSocket, err: Error): void {
    let reason: CutOffReason;
    if (err instanceof PacketTooLargeError) {
      limitStats.oversized++;
      reason = 'oversized';
    } else if (err instanceof QueueLimitError) {
      limitStats.slowConsumers++;
      reason = 'slow-consumer';
    } else return;
    const clientId = clientIdOf.get(this);
    log.info('client cut off by a broker limit', { clientId, remote: this.remoteAddress, error: err });
    opts.onCutOff?.(clientId, reason, err);
  }
  /** Hands a plain socket to aedes behind its packet guard; connected() at its CONNACK. */
  const handlePlain = (socket: net.Socket, connected: () => void) => {
    // Until it is authenticated a client may send a CONNECT and no more.
    const guard = new PacketGuard(socket, limits.maxConnectPacketBytes, limits.maxQueuedBytes);
    slotOf.set(guard, connected);
    guard.on('error', onGuardError);
    plainConns.add(guard);
    aedes.handle(guard);
  };
  // The bytes read to see that the client spoke stay in the socket's buffer: the packet guard's
  // 'data' listener and the TLS socket (initRead: "already has some buffered data") take them.
  const plainServer = () =>
    net.createServer((raw) => accept(raw, (connected) => handlePlain(raw, connected)));
  // TLS by hand on a net.Server (not tls.createServer): the broker owns each TLSSocket from
  // accept on, so the CONNECT deadline covers the handshake (aedes only sees the socket after
  // it) and a socket that fails its handshake is closed and counted like any other.
  let secureContext = opts.tls
    ? tls.createSecureContext({ cert: opts.tls.certPem, key: opts.tls.keyPem })
    : undefined;
  /** A failed handshake (a scanner, a client that does not trust this CA) is a debug line. */
  function onTlsError(this: tls.TLSSocket, err: Error): void {
    log.debug('tls error', { remote: this.remoteAddress, error: err });
  }
  const tlsServer = () =>
    net.createServer((raw) =>
      accept(raw, (connected) => {
        const s = new GuardedTlsSocket(
          raw,
          secureContext,
          limits.maxConnectPacketBytes,
          limits.maxQueuedBytes,
          TLS_RECORD_BYTES,
        );
        // Its checks (packet size, queue, records) are the packet guard's, in the socket itself.
        s.once('secure', () => {
          slotOf.set(s, connected);
          s.on('error', onGuardError);
          aedes.handle(s);
        });
        s.on('error', onTlsError);
      }),
    );

  const servers: net.Server[] = [];
  const listen = async (server: net.Server, port: number, what: string): Promise<number> => {
    servers.push(server);
    // The cap is per listener and applies at accept, before any JavaScript or TLS work.
    server.maxConnections = maxConnections;
    server.on('drop', () => {
      refused++;
      if (refused === 1 || refused % 1000 === 0)
        log.warn('connection refused: too many connections', { max: maxConnections, refused });
    });
    server.on('connection', track);
    // EMFILE and friends on accept: log and keep listening (libuv retries the accept).
    server.on('error', (err) => log.error('broker listener error', { error: err }));
    await new Promise<void>((resolve, reject) => {
      const onErr = (e: Error) => reject(e);
      server.once('error', onErr);
      server.listen(port, opts.host, () => {
        server.off('error', onErr);
        resolve();
      });
    });
    const bound = (server.address() as net.AddressInfo).port;
    log.info(`mqtt broker listening (${what})`, { host: opts.host, port: bound });
    return bound;
  };
  const port = await listen(opts.tls ? tlsServer() : plainServer(), opts.port, opts.tls ? 'mqtts' : 'mqtt');
  const plainPort =
    opts.plainPort !== undefined && opts.tls
      ? await listen(plainServer(), opts.plainPort, 'plain mqtt')
      : undefined;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const hostPart = host.includes(':') ? `[${host}]` : host;

  return {
    url: `${opts.tls ? 'mqtts' : 'mqtt'}://${hostPart}:${port}`,
    port,
    ...(plainPort !== undefined ? { plainUrl: `mqtt://${hostPart}:${plainPort}` } : {}),
    localStream() {
      const [hubEnd, brokerEnd] = duplexPair();
      aedes.handle(brokerEnd);
      return hubEnd;
    },
    tap(filter, handler) {
      const deliver = (packet: AedesPublishPacket, cb: () => void) => {
        const { topic, payload } = packet;
        try {
          handler(topic, typeof payload === 'string' ? Buffer.from(payload) : payload);
        } catch (e) {
          // A throw here would reach aedes' publish chain (and the publishing client).
          log.warn('tapped message handler failed', { topic, error: e as Error });
        }
        cb();
      };
      return new Promise((resolve) =>
        aedes.subscribe(filter, deliver, () => resolve(() => aedes.unsubscribe(filter, deliver, () => {}))),
      );
    },
    setCertificate(t) {
      secureContext = tls.createSecureContext({ cert: t.certPem, key: t.keyPem });
    },
    secretsWithheld: () => withheld,
    connections: () => sockets.size,
    clients: () => aedes.connectedClients,
    refused: () => refused,
    retained: () => retained.retainedCount(),
    retainedBytes: () => retained.retainedBytes(),
    limitStats: () => ({ ...limitStats }),
    admissionStats: () => admission.stats(),
    isConnected: (clientId) => live.has(clientId),
    connectedAt: (clientId) => liveSince.get(clientId),
    disconnect(clientId) {
      const c = live.get(clientId);
      if (!c) return false;
      log.info('disconnecting client', { clientId });
      c.close();
      return true;
    },
    hold(reason) {
      const first = holdReason === undefined;
      holdReason = reason;
      let letGo = 0;
      for (const c of [...live.values()]) {
        if (opts.auth.identityOf(c)?.kind === 'hub') continue;
        c.close();
        letGo++;
      }
      if (first) log.warn('letting boards go and taking none', { reason, boards: letGo });
      return letGo;
    },
    release() {
      if (holdReason === undefined) return;
      log.info('taking boards again', { after: holdReason });
      holdReason = undefined;
    },
    held: () => holdReason !== undefined,
    async close() {
      admission.close();
      loopLag.stop();
      const closed = Promise.all(servers.map((srv) => new Promise<void>((r) => srv.close(() => r()))));
      for (const s of sockets) s.destroy();
      await closed;
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}
