// The agent's connection to its hub: connect as itself, report status, heartbeat, keep the
// desired state, reconnect with backoff, re-join when the hub no longer knows the credential.
// It owns the pod manager (pods start from the local cache before the hub answers) and the
// RPC server (logs); pod statuses are resent on every (re)connect. The machine facts, the pod
// runner, the credential store and the desired store can be injected (AgentDeps): the fleet
// simulator (bench/sim) runs thousands of Agents with simulated ones, so it speaks this exact protocol.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from '../shared/log.js';
import { filters, parseTopic, topics } from '../shared/mqtt/topics.js';
import { AgentUpdater } from './update/updater.js';
import { DROVER_VERSION } from '../shared/protocol/constants.js';
import {
  MQTT_PROTOCOL_VERSION,
  NODE_STATUS_MAX_IMAGES,
  NODE_STATUS_MAX_NAMES_PER_IMAGE,
  NODE_USERNAME_PREFIX,
  nodeClientId,
} from '../shared/protocol/constants.js';
import type { ContainerImage, Pod, PodStatus } from '../shared/api/types.js';
import {
  type AgentEvent,
  encode,
  type Heartbeat,
  type MetricsReport,
  parseDesiredState,
  parseRpcRequest,
  parseServiceTable,
  type PodStatusReport,
  type WillMessage,
} from '../shared/protocol/messages.js';
import { Backoff } from './backoff.js';
import type { DialGate } from './dial-gate.js';
import { HubList } from './hub-list.js';
import { CaFetchError } from './ca-pin.js';
import type { AgentConfig } from './config.js';
import { type CredentialStore, fileCredentialStore, type NodeCredential } from './credentials.js';
import { DesiredStore } from './desired.js';
import { type CaStore, fileCaStore, isTlsUrl, resolveHubCa, type TlsOptions } from './hub-ca.js';
import { isAuthRefusal, JoinRefusedError, joinHub } from './join.js';
import { ImageGarbageCollector } from './images/gc.js';
import { desiredImages } from './images/wanted.js';
import { dirUsageBytes, sameFilesystem } from './pressure/dir-usage.js';
import { EvictionManager } from './pressure/eviction-manager.js';
import { observe } from './pressure/signals.js';
import { createPodManager, type PodManager } from './pods/manager.js';
import type { PodManagerOptions } from './pods/options.js';
import { nodeAddresses } from './node-info.js';
import { Outbox } from './outbox.js';
import { proxyOptions } from './proxy/options.js';
import { ServiceProxy } from './proxy/proxy.js';
import { ClusterDns } from './dns/role.js';
import { UsageSampler } from './metrics/sampler.js';
import { RpcServer } from './rpc.js';
import { DockerRuntime } from './runtime/docker.js';
import { DockerImageStore } from './runtime/docker-images.js';
import type { Runtime } from './runtime/runtime.js';
import { localMachineFacts, type MachineFacts, StatusBuilder, statusFingerprint } from './status.js';

/** No credential and no token: nothing to connect with. */
export class NoCredentialError extends Error {
  override name = 'NoCredentialError';
}

/** The broker refused the node's credential and there is no bootstrap token to join again. */
export class CredentialRefusedError extends Error {
  override name = 'CredentialRefusedError';
}

/** What the agent needs of its pod side: the real pod manager or a simulated one. */
export type PodRunner = Pick<
  PodManager,
  'setDesired' | 'start' | 'stop' | 'resendAll' | 'forgetRevision' | 'logs' | 'exec' | 'podAddress'
>;

/** How a pod runner talks back: pod statuses and events, published by the agent while connected. */
export type PodRunnerIo = Pick<PodManagerOptions, 'report' | 'event' | 'runtimeChanged'>;

/** Parts the agent builds itself unless given (the fleet simulator gives all of them). */
export interface AgentDeps {
  /** Machine facts for the status report; default this machine. */
  facts?: MachineFacts;
  /** Builds the pod runner; default the Docker-backed pod manager with its cache in dataDir. */
  pods?: (io: PodRunnerIo) => PodRunner;
  /** Default the credential file in dataDir. */
  credentials?: CredentialStore;
  /** Where the pinned hub CA is kept; default hub-ca.crt in dataDir. */
  ca?: CaStore;
  /** Default one that removes the legacy desired.json from dataDir at start. */
  desired?: DesiredStore;
  /** Sees each MQTT client as it is created, before it connects (the simulator counts through it). */
  onClient?: (client: MqttClient) => void;
  /** Told of each join attempt: its duration, ms, and its error when it failed. */
  onJoin?: (ms: number, error?: Error) => void;
  /** Run the Service proxy (agent/proxy/); default on unless the pod runner was injected. */
  proxy?: boolean;
  /** Shared by the agents of one simulator process (dial-gate.ts); default none. */
  dialGate?: DialGate;
}

/** A heartbeat tick later than this many intervals means the process was paused (SIGSTOP, suspend). */
const PAUSE_FACTOR = 3;
/** Time allowed for the goodbye message on shutdown, ms. */
const SHUTDOWN_TIMEOUT_MS = 2000;
/** Longest wait for in-flight pod syncs (a pull, a stop) on shutdown, ms; containers keep running anyway. */
const STOP_PODS_TIMEOUT_MS = 5000;
/** How long the runtime's image list is reused for status reports, ms. */
const IMAGES_TTL_MS = 10_000;

export class Agent {
  private client?: MqttClient;
  /** The current connection's send window for reports (outbox.ts). */
  private outbox?: Outbox;
  private cred?: NodeCredential;
  private readonly backoff = new Backoff();
  /** The hubs to use, in turn when one cannot be reached. */
  private readonly hubs: HubList;
  private readonly status: StatusBuilder;
  readonly desired: DesiredStore;
  /** The Docker runtime; undefined when the pod runner was injected. */
  readonly runtime?: Runtime;
  readonly pods: PodRunner;
  /** Image and container GC; undefined when the pod runner was injected. */
  readonly imageGc?: ImageGarbageCollector;
  /** Node-pressure eviction (with a real runtime only). */
  readonly eviction?: EvictionManager;
  private readonly credentials: CredentialStore;
  /** TLS options of every MQTT connection: the hub CA, verified (empty for mqtt://). */
  private tls: TlsOptions = {};
  private readonly facts: MachineFacts;
  readonly rpc: RpcServer;
  /** The kube-proxy role; undefined when off. */
  readonly proxy?: ServiceProxy;
  /** The pods' DNS (Service names); undefined when off (--cluster-dns none, or pods injected). */
  readonly dns?: ClusterDns;
  private images?: { at: number; list: ContainerImage[] };
  /** Pods told that the runtime is down (uid -> message), so it is said once. */
  private readonly runtimeDownSent = new Map<string, string>();
  private timers: NodeJS.Timeout[] = [];
  private reconnectTimer?: NodeJS.Timeout;
  private stopping = false;
  private seq = 0;
  private lastFingerprint = '';
  private lastStatusAt = 0;
  private statusInFlight = false;
  private finish!: (err?: Error) => void;
  /** Self-update (update/updater.ts): orders from the hub, the bundle swap, the trial's confirmation. */
  private readonly updater: AgentUpdater;
  /** The agent stopped to restart on a new bundle: its supervisor starts it again at once. */
  restartForUpdate = false;
  /** Settles when the agent stops: resolves on stop(), rejects on a fatal error. */
  readonly done: Promise<void>;
  /** Joins performed by this process (tests and logs: a restart must not join again). */
  joins = 0;

  constructor(
    private readonly cfg: AgentConfig,
    private readonly log: Logger,
    private readonly deps: AgentDeps = {},
  ) {
    this.hubs = new HubList(cfg.hubUrls);
    this.desired = deps.desired ?? new DesiredStore(cfg.dataDir);
    this.credentials = deps.credentials ?? fileCredentialStore(cfg.dataDir);
    const node = cfg.nodeName;
    const io: PodRunnerIo = {
      report: (ns, name, uid, status) => this.publishPodStatus(ns, name, uid, status),
      event: (ev) => {
        if (this.client?.connected) this.outbox?.send(topics.events(node), encode<AgentEvent>(ev));
      },
      // RuntimeReady follows the runtime at once, not after the probe cache expires.
      runtimeChanged: () => {
        this.status.forgetRuntimeProbe();
        if (this.client?.connected) void this.publishStatus(true);
      },
    };
    let imageStore: DockerImageStore | undefined;
    if (deps.pods) this.pods = deps.pods(io);
    else {
      const runtime = new DockerRuntime({ socketPath: cfg.dockerSocket, cgroupParent: cfg.podsCgroup });
      this.runtime = runtime;
      const pods = createPodManager({
        runtime,
        nodeName: node,
        dataDir: cfg.dataDir,
        log: log.child('pods'),
        crashBackoff: { initialMs: cfg.crashBackoffBaseMs },
        runtimeRetryMinMs: cfg.runtimeRetryBaseMs,
        ...(cfg.clusterDns ? { dns: { nameserver: cfg.clusterDns, domain: cfg.clusterDomain } } : {}),
        ...io,
      });
      imageStore = new DockerImageStore(cfg.dockerSocket);
      this.imageGc = new ImageGarbageCollector({
        store: imageStore,
        policy: cfg.imageGc,
        wanted: () => desiredImages(this.desired.current),
        event: (type, reason, message) =>
          io.event({ involvedObject: { kind: 'Node', name: node }, type, reason, message, time: Date.now() }),
        log: log.child('image-gc'),
      });
      this.pods = pods;
      const gc = this.imageGc;
      const store = imageStore;
      this.eviction = new EvictionManager({
        thresholds: [...cfg.evictionHard, ...cfg.evictionSoft],
        observe: async () =>
          observe(cfg.dataDir, await store.imageFsPath().catch(() => undefined), cfg.podsCgroup || undefined),
        observed: (obs, now) => this.facts.observed?.(obs, now),
        candidates: () => pods.evictionCandidates(),
        containerMemory: async (id) => (await runtime.containerStats(id)).memoryBytes,
        dirUsage: dirUsageBytes,
        evict: (uid, message, grace) => pods.evict(uid, message, grace),
        reclaimImages: async (signal) => {
          const imageFs = await store.imageFsPath().catch(() => undefined);
          if (signal === 'nodefs.available' && !(imageFs && (await sameFilesystem(cfg.dataDir, imageFs))))
            return 0;
          return (await gc.deleteUnused()).freedBytes;
        },
        log: log.child('eviction'),
        intervalMs: cfg.evictionMonitoringMs,
      });
    }
    if (deps.proxy ?? !deps.pods)
      this.proxy = new ServiceProxy(
        proxyOptions({
          nodeName: node,
          ...(cfg.nodeIp ? { nodeIp: cfg.nodeIp } : {}),
          ...(cfg.dataDir ? { clusterIpStateFile: join(cfg.dataDir, 'cluster-ips.json') } : {}),
          // The address the hub tells other boards (InternalIP).
          relayHost:
            nodeAddresses(undefined, undefined, cfg.nodeIp).find((a) => a.type === 'InternalIP')?.address ??
            '0.0.0.0',
        }),
        log.child('proxy'),
      );
    if (cfg.clusterDns && !deps.pods)
      this.dns = new ClusterDns({ address: cfg.clusterDns, domain: cfg.clusterDomain }, log.child('dns'));
    const images = imageStore;
    this.facts =
      deps.facts ?? localMachineFacts(cfg, this.runtime, images ? () => images.imageFsPath() : undefined);
    this.status = new StatusBuilder(cfg, this.facts);
    this.rpc = new RpcServer({
      nodeName: node,
      logs: (ns, name, o) => this.pods.logs(ns, name, o),
      exec: (ns, name, o) => this.pods.exec(ns, name, o),
      podAddress: (ns, name) => this.pods.podAddress(ns, name),
      publish: (topic, payload) => {
        if (this.client?.connected) this.client.publish(topic, payload, { qos: 1 });
      },
      log: log.child('rpc'),
    });
    this.updater = new AgentUpdater({
      node,
      dataDir: cfg.dataDir,
      running: DROVER_VERSION,
      log: log.child('update'),
      restart: () => {
        this.restartForUpdate = true;
        void this.stop('agent update');
      },
      hubCa: () => ('ca' in this.tls ? this.tls.ca : undefined),
      event: (type, reason, message) =>
        io.event({ involvedObject: { kind: 'Node', name: node }, type, reason, message, time: Date.now() }),
    });
    this.done = new Promise<void>((resolve, reject) => {
      this.finish = (err) => (err ? reject(err) : resolve());
    });
    this.done.catch(() => {}); // the owner awaits it; avoid an unhandled rejection meanwhile
  }

  async start(): Promise<void> {
    this.cred = this.credentials.load(this.cfg.nodeName);
    if (this.cred)
      this.log.info('using stored credential', { node: this.cfg.nodeName, joinedAt: this.cred.joinedAt });
    else if (!this.cfg.token)
      throw new NoCredentialError(
        `no credential in ${this.cfg.dataDir} for node ${this.cfg.nodeName} and no bootstrap token: pass --token (create one with \`drover token create\`)`,
      );
    this.desired.removeLegacyFile();
    // Offline autonomy: cached pods start (or are adopted) before the hub is asked anything.
    await this.pods.start();
    this.imageGc?.start(this.cfg.imageGcPeriodMs);
    this.eviction?.start();
    await this.proxy?.start();
    await this.dns?.start();
    if (isTlsUrl(this.hubs.current)) await this.resolveCa();
    if (!this.cred && !this.stopping) await this.join();
    if (!this.stopping) await this.connectOnce();
  }

  /** The hub CA for every MQTTS connection: stored, given, or pinned (retried while the hub is unreachable). */
  private async resolveCa(): Promise<void> {
    const caPem = this.cfg.caFile ? readFileSync(this.cfg.caFile, 'utf8') : undefined;
    for (;;) {
      if (this.stopping) return;
      try {
        // One CA (one pin) for every hub of the cluster: they share the hub CA.
        const ca = await resolveHubCa({
          hubUrl: this.hubs.current,
          caPem,
          caHash: this.cfg.caHash,
          store: this.deps.ca ?? fileCaStore(this.cfg.dataDir),
          timeoutMs: this.cfg.joinTimeoutMs,
        });
        this.tls = { ca, rejectUnauthorized: true };
        this.backoff.reset();
        return;
      } catch (e) {
        if (!(e instanceof CaFetchError)) throw e;
        const delay = this.backoff.next();
        this.log.warn('cannot reach the hub to check its CA, retrying', {
          hub: this.hubs.current,
          error: e.message,
          retryInMs: delay,
          next: this.hubs.next(),
        });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Pod status to the hub; dropped while disconnected (resendAll() on the next connect). */
  private publishPodStatus(ns: string, name: string, uid: string, status: PodStatus): void {
    if (!this.client?.connected) return;
    const topic = topics.podStatus(this.cfg.nodeName, ns, name);
    this.outbox?.send(topic, encode<PodStatusReport>({ uid, status }), topic);
  }

  /** Joins with the bootstrap token, retrying with backoff while the hub is unreachable. */
  private async join(previousPassword?: string): Promise<void> {
    const token = this.cfg.token!;
    for (;;) {
      if (this.stopping) return;
      const t0 = Date.now();
      try {
        this.cred = await joinHub({
          hubUrl: this.hubs.current,
          token,
          nodeName: this.cfg.nodeName,
          labels: this.cfg.labels,
          previousPassword,
          tls: this.tls,
          ...(this.deps.dialGate ? { dialGate: this.deps.dialGate } : {}),
          timeoutMs: this.cfg.joinTimeoutMs,
          log: this.log,
        });
        this.joins++;
        this.deps.onJoin?.(Date.now() - t0);
        this.credentials.save(this.cred);
        this.backoff.reset();
        return;
      } catch (e) {
        this.deps.onJoin?.(Date.now() - t0, e as Error);
        if (e instanceof JoinRefusedError) throw e;
        const delay = this.backoff.next();
        this.log.warn('join failed, retrying', {
          hub: this.hubs.current,
          error: (e as Error).message,
          retryInMs: delay,
          next: this.hubs.next(),
        });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async connectOnce(): Promise<void> {
    const release = await this.deps.dialGate?.acquire(true);
    if (this.stopping) {
      release?.();
      return;
    }
    const name = this.cfg.nodeName;
    const cred = this.cred!;
    const will: Omit<WillMessage, 'v'> = { reason: 'connection lost' };
    const hub = this.hubs.current;
    const client = connect(hub, {
      protocolVersion: MQTT_PROTOCOL_VERSION,
      clientId: nodeClientId(name),
      username: cred.username || `${NODE_USERNAME_PREFIX}${name}`,
      password: cred.password,
      clean: true,
      keepalive: this.cfg.keepaliveS,
      reconnectPeriod: 0, // reconnects are ours: exponential backoff with full jitter (backoff.ts)
      connectTimeout: 10_000,
      // mqtt.js keeps 65,536 pre-built message-id buffers by default: 6 MB of a board's RAM
      // (bench/agent-footprint.ts measured it) for a client that sends a few messages a minute.
      writeCache: false,
      ...this.tls,
      will: { topic: topics.will(name), payload: encode<WillMessage>(will), qos: 1, retain: false },
    });
    this.client = client;
    this.outbox = new Outbox(client, {
      onFirstDrop: (topic) =>
        this.log.warn('reports to the hub are waiting on a slow link; dropping events until they leave', {
          topic,
        }),
    });
    this.deps.onClient?.(client);
    if (release) {
      client.once('connect', release);
      client.once('close', release);
    }
    let refused = false;
    client.on('connect', () => {
      this.log.info('connected to hub', { hub, node: name });
      this.backoff.reset();
      this.updater.connected();
      const subs = [topics.desired(name), filters.nodeRpcRequests(name), ...this.updater.subscriptions()];
      if (this.proxy || this.dns) subs.push(topics.services);
      client.subscribe(subs, { qos: 1 }, (err) => {
        if (err) this.log.warn('subscribe to desired state failed', { error: err.message });
      });
      this.lastFingerprint = '';
      // Connected with our credential and the status sent: a new version on trial has rejoined.
      void this.publishStatus(true).then(() => {
        if (client.connected && this.lastStatusAt > 0) this.updater.confirm();
      });
      this.pods.resendAll();
      this.startTimers(client);
    });
    client.on('message', (topic, payload) => {
      if (topic === topics.desired(name)) {
        this.onDesired(payload);
        return;
      }
      if (topic === topics.services) {
        this.onServices(payload);
        return;
      }
      try {
        if (this.updater.handle(client, topic, payload)) return;
      } catch (e) {
        this.log.warn('bad agent update message from hub', { error: (e as Error).message });
        return;
      }
      const t = parseTopic(topic);
      if (t?.kind !== 'rpcRequest' || t.node !== name) return;
      try {
        this.rpc.handle(t.id, parseRpcRequest(payload));
      } catch (e) {
        this.log.warn('bad rpc request from hub', { error: (e as Error).message });
      }
    });
    client.on('error', (e) => {
      if (isAuthRefusal(e)) refused = true;
      else this.log.warn('connection error', { error: e.message });
    });
    client.on('close', () => {
      if (this.client !== client) return;
      this.stopTimers();
      this.rpc.stopAll();
      client.removeAllListeners();
      client.on('error', () => {}); // late socket errors after close must not crash the process
      client.end(true);
      this.client = undefined;
      this.outbox = undefined;
      if (this.stopping) return;
      if (refused) void this.onRefused();
      else this.scheduleReconnect();
    });
  }

  private onDesired(payload: Buffer): void {
    try {
      const s = parseDesiredState(payload);
      if (this.desired.accept(s)) {
        this.log.info('desired state received', { revision: s.revision, pods: s.pods.length });
        this.pods.setDesired(s);
      } else this.log.debug('ignored older desired state', { revision: s.revision });
    } catch (e) {
      this.log.warn('bad desired state from hub', { error: (e as Error).message });
    }
  }

  private onServices(payload: Buffer): void {
    if (!this.proxy && !this.dns) return;
    try {
      // Each table is whole (level-based) and the broker keeps one subscription's order.
      const t = parseServiceTable(payload);
      this.log.debug('service table received', { revision: t.revision, services: t.services.length });
      if (this.proxy) void this.proxy.apply(t);
      this.dns?.apply(t);
    } catch (e) {
      this.log.warn('bad service table from hub', { error: (e as Error).message });
    }
  }

  private scheduleReconnect(): void {
    const delay = this.backoff.next();
    const from = this.hubs.current;
    this.log.info('disconnected from hub, reconnecting', { hub: from, next: this.hubs.next(), inMs: delay });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopping) void this.connectOnce();
    }, delay);
  }

  /** The broker no longer accepts our credential: the hub was reset or the node deleted. */
  private async onRefused(): Promise<void> {
    if (!this.cfg.token) {
      this.fail(
        new CredentialRefusedError(
          `the hub at ${this.hubs.current} refused the credential of node ${this.cfg.nodeName} (hub reset or node deleted); start the agent again with --token <bootstrap token> to re-join`,
        ),
      );
      return;
    }
    this.log.warn('hub refused the node credential; joining again with the bootstrap token');
    const previousPassword = this.cred?.password;
    this.credentials.delete();
    this.cred = undefined;
    this.desired.forgetRevision();
    this.pods.forgetRevision();
    try {
      await this.join(previousPassword);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    if (!this.stopping) await this.connectOnce();
  }

  private startTimers(client: MqttClient): void {
    this.stopTimers();
    this.seq = 0;
    let lastTick = Date.now();
    const hb = setInterval(() => {
      const now = Date.now();
      const paused = now - lastTick > PAUSE_FACTOR * this.cfg.heartbeatIntervalMs;
      lastTick = now;
      const msg: Omit<Heartbeat, 'v'> = { seq: ++this.seq, time: now };
      client.publish(topics.lease(this.cfg.nodeName), encode<Heartbeat>(msg), { qos: 0 });
      // After a pause the hub has probably marked us NotReady: tell it everything at once.
      void this.publishStatus(paused);
    }, this.cfg.heartbeatIntervalMs);
    this.timers.push(hb);
    // Usage for the metrics API (kubectl top, HPA): only where containers really run.
    const sampler = this.runtime ? new UsageSampler(this.runtime, this.cfg.nodeName) : undefined;
    const outbox = this.outbox;
    if (sampler) {
      let busy = false;
      const run = () => {
        if (busy) return; // a slow engine: skip a round rather than pile them up
        busy = true;
        sampler
          .sample()
          .then((r) => outbox?.fire(topics.metrics(this.cfg.nodeName), encode<MetricsReport>(r)))
          .catch((e: Error) => this.log.debug('usage sample failed', { error: e.message }))
          .finally(() => {
            busy = false;
          });
      };
      run(); // the first sample primes the CPU counters
      this.timers.push(setInterval(run, this.cfg.metricsIntervalMs));
    }
  }

  private stopTimers(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Sends the status when forced, when it changed, or when the status interval elapsed. */
  private async publishStatus(force: boolean): Promise<void> {
    if (this.statusInFlight) return;
    this.statusInFlight = true;
    try {
      const report = await this.status.build();
      const rt = report.conditions.find((c) => c.type === 'RuntimeReady');
      this.reportRuntimeDown(
        rt?.status === 'False' ? (rt.message ?? 'container runtime unavailable') : undefined,
      );
      report.images = await this.listImages();
      const fp = `${statusFingerprint(report)}|${report.images.map((i) => i.names.join(',')).join(';')}`;
      const due = Date.now() - this.lastStatusAt >= this.cfg.statusIntervalMs;
      if (!this.client?.connected || !(force || due || fp !== this.lastFingerprint)) return;
      this.lastFingerprint = fp;
      this.lastStatusAt = Date.now();
      const topic = topics.status(this.cfg.nodeName);
      this.outbox?.send(topic, encode(report), topic);
      this.log.debug('status sent', { forced: force });
    } catch (e) {
      this.log.warn('status report failed', { error: (e as Error).message });
    } finally {
      this.statusInFlight = false;
    }
  }

  private async stopPods(): Promise<void> {
    this.imageGc?.stop();
    await this.eviction?.stop();
    let t: NodeJS.Timeout | undefined;
    await Promise.race([
      this.pods.stop().catch((e: Error) => this.log.warn('pod manager stop failed', { error: e.message })),
      new Promise<void>((r) => {
        t = setTimeout(r, STOP_PODS_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(t);
  }

  /**
   * With the runtime down the pod manager cannot even list containers, so it reports nothing:
   * say why on each desired pod instead (once per message; the manager takes over when it is back).
   */
  private reportRuntimeDown(message: string | undefined): void {
    if (message === undefined) {
      this.runtimeDownSent.clear();
      return;
    }
    for (const pod of this.desired.current?.pods ?? []) {
      const uid = pod.metadata.uid;
      if (!uid || pod.metadata.deletionTimestamp || this.runtimeDownSent.get(uid) === message) continue;
      if (!this.client?.connected) return;
      this.runtimeDownSent.set(uid, message);
      this.publishPodStatus(
        pod.metadata.namespace ?? 'default',
        pod.metadata.name ?? '',
        uid,
        runtimeDownStatus(pod, message),
      );
    }
  }

  /** The runtime's images for node.status.images (ImageLocality); none when it does not answer. */
  private async listImages(): Promise<ContainerImage[]> {
    const now = Date.now();
    if (this.images && now - this.images.at < IMAGES_TTL_MS) return this.images.list;
    let list: ContainerImage[] = [];
    try {
      list = await this.facts.images();
    } catch (e) {
      this.log.debug('image list failed', { error: (e as Error).message });
    }
    // The kubelet's caps (nodeStatusMaxImages, maxNamesPerImageInNodeStatus): the hub refuses more.
    list = [...list]
      .sort((a, b) => (b.sizeBytes ?? 0) - (a.sizeBytes ?? 0))
      .slice(0, NODE_STATUS_MAX_IMAGES)
      .map((i) => ({ ...i, names: i.names.slice(0, NODE_STATUS_MAX_NAMES_PER_IMAGE) }));
    this.images = { at: now, list };
    return list;
  }

  private fail(err: Error): void {
    this.stopping = true;
    this.proxy?.stop();
    this.dns?.stop();
    this.stopTimers();
    this.rpc.stopAll();
    this.client?.end(true);
    void this.stopPods().finally(() => this.finish(err));
  }

  /** Says goodbye (a will message with the reason, so the hub need not wait for a timeout) and disconnects. */
  async stop(reason = 'shutdown'): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopTimers();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.rpc.stopAll();
    this.proxy?.stop();
    this.dns?.stop();
    // Containers keep running: a restarted agent adopts them.
    await this.stopPods();
    const client = this.client;
    if (client?.connected) {
      const bye: Omit<WillMessage, 'v'> = { reason };
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS);
        client.publish(topics.will(this.cfg.nodeName), encode<WillMessage>(bye), { qos: 1 }, () => {
          // A clean DISCONNECT: the broker drops the stored last will.
          client.end(false, {}, () => {
            clearTimeout(t);
            resolve();
          });
        });
      });
    } else client?.end(true);
    this.log.info('agent stopped', { reason });
    this.finish();
  }
}

/** Pending, every container waiting with reason RuntimeUnavailable and the runtime's error. */
export function runtimeDownStatus(pod: Pod, message: string): PodStatus {
  return {
    phase: 'Pending',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message },
    ],
    containerStatuses: pod.spec.containers.map((c) => ({
      name: c.name,
      ready: false,
      restartCount: 0,
      image: c.image ?? '',
      imageID: '',
      started: false,
      state: { waiting: { reason: 'RuntimeUnavailable', message } },
    })),
  };
}
