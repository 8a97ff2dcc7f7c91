// Assembles the hub: one named step after another, each leaving an undo on a stack, so a
// failed start unwinds what started and stop() tears down in reverse order. A restart with
// the same data directory keeps every object and the same bootstrap token; kubeconfig and
// endpoints.json are rewritten (ports may differ when 0 was asked for).

import { parseServiceRanges } from './api/allocation/ranges.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiClient } from './api/client.js';
import { ServiceUnavailableError } from './api/errors.js';
import { ensureSystemNamespaces } from './api/bootstrap.js';
import { createPodExecHandler } from './api/exec/handler.js';
import { createPodPortForwardHandler } from './api/portforward/handler.js';
import { createMetricsResources } from './metrics-api/resources.js';
import { UsageStore } from './metrics-api/usage-store.js';
import { createPodLogsHandler } from './api/pod-logs.js';
import { createApiServer } from './api/server.js';
import { createBrokerAuth } from './broker/auth.js';
import { type Broker, startBroker } from './broker/broker.js';
import { verifyNodeCredential } from './auth/node-credentials.js';
import { createBootstrapToken, verifyBootstrapToken } from './auth/tokens.js';
import { dialableMqttUrl, writeClusterInfo } from './cluster-info.js';
import { unionAuthenticator } from './auth/authn.js';
import { bootstrapTokenAuthenticator } from './auth/authn/bootstrap-token.js';
import { serviceAccountAuthenticator } from './auth/authn/serviceaccount.js';
import { x509Authenticator } from './auth/authn/x509.js';
import { ADMIN_SUBJECT, clientKubeconfig, kubeconfigYaml, reusableClientCert } from './auth/kubeconfig.js';
import { ServiceAccountTokens } from './auth/serviceaccount-tokens.js';
import { tokenRequestHandler } from './auth/token-request.js';
import { privilegedGroupAuthorizer, unionAuthorizer } from './auth/authz.js';
import { NodeAuthorizer } from './auth/node-authorizer.js';
import { RbacAuthorizer } from './auth/rbac/authorizer.js';
import { preventRbacEscalation } from './auth/rbac/escalation.js';
import { ensureDefaultRbac } from './auth/rbac/default-roles.js';
import {
  CONTROLLER_MANAGER_USER,
  controllerUser,
  GROUP_MASTERS,
  SCHEDULER_USER,
  GATEWAY_USER,
  BROKER_USER,
} from './auth/user.js';
import { CONTROLLERS, type ControllerName } from './auth/rbac/controller-roles.js';
import { mqttTls, type ServingTls, startServingTls } from './auth/serving-tls.js';
import { type HubConfig, type HubOptions, resolveHubConfig } from './config.js';
import { startCoreControllers } from './controllers/core-controllers.js';
import { NodeCredentialController } from './controllers/node-credentials.js';
import { NodeLifecycleController } from './controllers/node-lifecycle.js';
import { startWorkloadControllers } from './controllers/workloads.js';
import { setQueueMetricsRegistry } from './controllers/queue-metrics.js';
import { setGiveBackMetricsRegistry, setGiveBackPauseBudget } from './heap-give-back.js';
import { EventRecorder } from './events/recorder.js';
import { registerFleetMetrics } from './fleet-metrics.js';
import { registerProcessMetrics } from './process-metrics.js';
import { SqliteStore } from './store/sqlite.js';
import { registerStoreMetrics } from './store/store-metrics.js';
import { cutOffEvents } from './broker/cut-off-events.js';
import { EventTtlSweeper } from './events/ttl.js';
import { type Gateway, startGateway } from './gateway/gateway.js';
import { AgentBundles } from './gateway/agent-bundles.js';
import { ClusterAgentBundles } from './gateway/cluster-agent-bundles.js';
import { InformerFactory } from './informers/factory.js';
import { LeaseTable } from './leases.js';
import { type RunningScheduler, startScheduler } from './scheduler/scheduler.js';
import { KvLeaderLock } from './leader/kv-lock.js';
import { DEFAULT_HUB_DEAD_AFTER_MS, DEFAULT_PRESENCE_FLUSH_MS, HubRelay } from './relay/relay.js';
import { StoreLink } from './relay/store-link.js';
import { LeaderElector } from './leader/elector.js';
import { type OpenedStore, openStore } from './store/open.js';
import { AuditLog } from './audit/log.js';
import { AesGcmTransformer, EncryptingStore } from './store/encrypting.js';
import { loadOrCreateEncryptionKeys } from './store/encryption-keys.js';
import type { Store } from './store/store.js';
import { nodeUsageHandler } from './usage/handler.js';
import { UsageHistory } from './usage/history.js';
import type { Node } from '../shared/api/types.js';
import { createLogger, type LogLevel, type Logger } from '../shared/log.js';
import { HUB_USERNAME, nodeClientId } from '../shared/protocol/constants.js';

export interface Hub {
  apiUrl: string;
  mqttUrl: string;
  /** The MQTT URL as a board writes it (this machine's address instead of a wildcard/loopback). */
  boardMqttUrl: string;
  /** The embedded broker's plain-TCP listener, when asked for (config.mqttPlainPort). */
  mqttPlainUrl?: string;
  /** PEM of the hub CA, and its pin (`sha256:<hex>`) that the join line carries. */
  caPem: string;
  caHash: string;
  client: ApiClient;
  bootstrapToken: string;
  config: HubConfig;
  leases: LeaseTable;
  gateway: Gateway;
  nodeLifecycle: NodeLifecycleController;
  /** Undefined until this hub leads (a standby on a shared store never starts one). */
  scheduler: RunningScheduler;
  /** Whether this hub runs the scheduler and controllers now (always, on SQLite). */
  isLeader(): boolean;
  /** Undefined with an external broker (config.mqttUrl). */
  broker?: Broker;
  /** The hub CA and the current serving certificate (re-issued before expiry; listeners subscribe). */
  tls: ServingTls;
  stop(): Promise<void>;
}

const LOG_THRESHOLD: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Store key prefixes encrypted at rest: Secrets (bootstrap tokens and node credentials are Secrets too). */
export const ENCRYPTED_PREFIXES = ['/registry/secrets/'];

export const dataFiles = (dataDir: string) => ({
  store: join(dataDir, 'store.db'),
  kubeconfig: join(dataDir, 'kubeconfig'),
  bootstrapToken: join(dataDir, 'bootstrap-token'),
  endpoints: join(dataDir, 'endpoints.json'),
  audit: join(dataDir, 'audit.log'),
  /** Agent bundles for self-update, <version>.mjs (hub/gateway/agent-bundles.ts). */
  agentBundles: join(dataDir, 'agent-bundles'),
});

/** Writes via a temp file and rename, so a reader never sees half a file. */
async function writeAtomic(path: string, data: string, mode = 0o644): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

/** The token in <dataDir>/bootstrap-token if it is still valid, else a new one written there. */
async function ensureBootstrapToken(client: ApiClient, path: string, log: Logger): Promise<string> {
  const existing = await readFile(path, 'utf8').then(
    (s) => s.trim(),
    () => undefined,
  );
  if (existing && (await verifyBootstrapToken(client, existing))) return existing;
  const token = await createBootstrapToken(client, { description: 'created by the hub on first start' });
  await writeAtomic(path, `${token}\n`, 0o600);
  process.stdout.write(`drover hub: bootstrap token ${token} (saved in ${path})\n`);
  log.info('bootstrap token created', { path });
  return token;
}

export async function startHub(options: HubOptions = {}): Promise<Hub> {
  const config = resolveHubConfig(options);
  const log = createLogger('hub', LOG_THRESHOLD[config.logLevel]);
  const files = dataFiles(config.dataDir);
  type Undo = { name: string; run: () => Promise<void> | void };
  const undo: Undo[] = [];
  const unwind = async (stack: Undo[]) => {
    while (stack.length) {
      const u = stack.pop()!;
      try {
        await u.run();
      } catch (e) {
        log.warn(`stop: ${u.name} failed`, { error: e as Error });
      }
    }
  };
  const stopAll = () => unwind(undo);

  // Filled in by the steps below.
  let store!: Store;
  let tls!: ServingTls;
  let api!: Awaited<ReturnType<typeof createApiServer>>;
  let bootstrapToken = '';
  let broker: Broker | undefined;
  let mqttUrl = config.mqttUrl ?? '';
  let gateway!: Gateway;
  const hubSecret = randomBytes(24).toString('base64url');
  let leases!: LeaseTable;
  let lifecycle!: NodeLifecycleController;
  // A controller's runner does not start again once stopped: each leadership term gets a new one.
  let newLifecycle!: () => NodeLifecycleController;
  let scheduler!: RunningScheduler;
  let opened!: OpenedStore;
  // The scheduler and the controllers run on one hub at a time (the leader): their start steps
  // are queued here and run when this hub leads (at once on SQLite, where it is the only hub).
  const leaderSteps: [string, () => Promise<void>][] = [];
  // What the current leadership term started: stopped in reverse when the term ends, and the hub
  // stands by again (it keeps serving its API and its boards).
  const leaderUndo: Undo[] = [];
  const leaderOnly = (name: string, run: () => Promise<void>): [string, () => Promise<void>] => [
    name,
    async () => {
      leaderSteps.push([name, run]);
    },
  ];
  let elector: LeaderElector | undefined;
  // Several hubs on one NATS cluster: heartbeats, wills and messages for boards between hubs.
  let relay: HubRelay | undefined;
  let hubStopping = false;
  // One list+watch per resource for the scheduler, the gateway and the controllers.
  let informers!: InformerFactory;
  const usage = new UsageHistory(config.usageHistorySamples);
  // Boards' pod and node usage for metrics.k8s.io (kubectl top, the HPA), latest only.
  const podUsage = new UsageStore();

  const boardMqttUrl = () => (broker ? dialableMqttUrl(mqttUrl, config.mqttHost) : mqttUrl);

  // Each in-process component acts as its own system identity (audit and RBAC name it).
  // Each controller acts as its own service account, limited to its bootstrap role.
  // A hub that leads but has not renewed its lease within the deadline (a stalled event loop, a
  // hung renewal) may already have a successor: its leader components' writes are refused
  // until it renews, so two leaders never write at once. Refused too on a hub that has stepped
  // down, should a stopped component still have a write in flight.
  const leaderFence = () => {
    if (elector && !elector.holdsLease())
      throw new ServiceUnavailableError('this hub does not hold the leader lease: write refused');
  };
  const asController = (name: ControllerName) => api.client.as(controllerUser(name)).fenced(leaderFence);

  const steps: [string, () => Promise<void>][] = [
    [
      'open store',
      async () => {
        await mkdir(config.dataDir, { recursive: true });
        opened = await openStore({ ...config, sqlitePath: files.store }, log.child('store'));
        // Secrets are encrypted before they reach the store (EncryptionConfiguration's aesgcm).
        const transformer = new AesGcmTransformer(loadOrCreateEncryptionKeys(config.dataDir));
        store = new EncryptingStore(opened.store, transformer, ENCRYPTED_PREFIXES);
        undo.push({ name: 'close store', run: () => store.close() });
      },
    ],
    [
      'load PKI',
      async () => {
        const t = await startServingTls({
          dataDir: config.dataDir,
          sans: config.tlsSans,
          certFile: config.tlsCertFile,
          keyFile: config.tlsKeyFile,
          checkIntervalMs: config.tlsRenewCheckIntervalMs,
          log: log.child('pki'),
        });
        tls = t;
        undo.push({ name: 'stop serving certificate checks', run: () => t.stop() });
      },
    ],
    [
      'start API',
      async () => {
        const serving = tls.current();
        const clientCaPem = tls.ca.certPem;
        const saTokens = await ServiceAccountTokens.open(config.dataDir);
        const audit = new AuditLog(files.audit, config.auditLogMaxBytes, config.auditLogMaxFiles, (e) =>
          log.warn('audit log write failed; entries are dropped until a write succeeds', { error: e }),
        );
        undo.push({ name: 'close audit log', run: () => audit.close() });
        api = await createApiServer({
          store,
          host: config.apiHost,
          port: config.apiPort,
          log: log.child('api'),
          headersTimeoutMs: config.apiHeadersTimeoutMs,
          maxConnections: config.apiMaxConnections,
          serviceRanges: parseServiceRanges(config.serviceClusterIpRange, config.serviceNodePortRange),
          audit: (e) => audit.record(e),
          tls: { certPem: serving.certPem, keyPem: serving.keyPem, clientCaPem },
          // Client certificates, bootstrap tokens, ServiceAccount tokens: nothing else (no anonymous).
          authentication: (client) =>
            unionAuthenticator([
              x509Authenticator(),
              bootstrapTokenAuthenticator(client),
              serviceAccountAuthenticator(client, saTokens),
            ]),
        });
        api.registerSubresourceHandler('serviceaccounts', 'token', tokenRequestHandler(saTokens));
        undo.push({ name: 'stop API', run: () => api.close() });
        // Controllers' work queues report to this hub's /metrics (client-go's SetProvider).
        setQueueMetricsRegistry(api.metrics);
        setGiveBackMetricsRegistry(api.metrics);
        // An operator's certificate stays; the hub-CA one is swapped for its successor.
        tls.onRotate(() => {
          const c = tls.current();
          api.updateTls({ certPem: c.certPem, keyPem: c.keyPem, clientCaPem });
        });
        // Logs come from the agents through the gateway, which starts later.
        api.registerSubresourceHandler('nodes', 'usage', nodeUsageHandler(usage));
        api.registerSubresourceHandler(
          'pods',
          'log',
          createPodLogsHandler({ client: api.client, rpc: () => gateway?.rpc, log: log.child('logs') }),
        );
        for (const def of createMetricsResources(podUsage, () => informers)) api.registry.add(def);
        api.registerUpgradeHandler(
          'pods',
          'exec',
          createPodExecHandler({ client: api.client, rpc: () => gateway?.rpc, log: log.child('exec') }),
        );
        api.registerUpgradeHandler(
          'pods',
          'portforward',
          createPodPortForwardHandler({
            client: api.client,
            rpc: () => gateway?.rpc,
            log: log.child('portforward'),
          }),
        );
      },
    ],
    [
      'authorize with RBAC and the node authorizer',
      async () => {
        await ensureDefaultRbac(api.client);
        const rbac = new RbacAuthorizer(api.client, log.child('rbac'));
        await rbac.start();
        undo.push({ name: 'stop RBAC informers', run: () => rbac.stop() });
        // system:masters first (kube-apiserver's privileged group), then nodes, then RBAC.
        api.setAuthorizer(
          unionAuthorizer([privilegedGroupAuthorizer([GROUP_MASTERS]), new NodeAuthorizer(api.client), rbac]),
        );
        // No one grants through a Role or binding what they do not hold (bind/escalate aside).
        preventRbacEscalation(api, rbac);
      },
    ],
    [
      'create shared informers',
      async () => {
        // The controller manager's user may only list and watch (system:kube-controller-manager).
        const f = new InformerFactory(api.client.as(CONTROLLER_MANAGER_USER), log.child('informers'));
        informers = f;
        undo.push({ name: 'stop shared informers', run: () => f.stop() });
      },
    ],
    ['ensure system namespaces', () => ensureSystemNamespaces(api.client)],
    [
      'ensure bootstrap token',
      async () => {
        bootstrapToken = await ensureBootstrapToken(api.client, files.bootstrapToken, log);
      },
    ],
    leaderOnly('start scheduler', async () => {
      const s = await startScheduler({
        // Not in system:masters: RBAC's system:kube-scheduler role is all it may do.
        client: api.client.as(SCHEDULER_USER).fenced(leaderFence),
        log: log.child('scheduler'),
        informers,
        metrics: api.metrics,
      });
      scheduler = s;
      leaderUndo.push({ name: 'stop scheduler', run: () => s.stop() });
    }),
    [
      'start broker',
      async () => {
        if (config.mqttUrl) return;
        const client = api.client;
        const auth = createBrokerAuth({
          hubSecret,
          verifyBootstrapToken: (t) => verifyBootstrapToken(client, t),
          verifyNodeCredential: (n, p) => verifyNodeCredential(client, n, p),
          log: log.child('broker'),
        });
        const b = await startBroker({
          host: config.mqttHost,
          port: config.mqttPort,
          tls: mqttTls(tls.ca, tls.managed()),
          ...(config.mqttPlainPort !== undefined ? { plainPort: config.mqttPlainPort } : {}),
          auth,
          maxConnections: config.mqttMaxConnections,
          limits: {
            maxConnectPacketBytes: config.mqttMaxConnectPacketBytes,
            maxPacketBytes: config.mqttMaxPacketBytes,
            connectTimeoutMs: config.mqttConnectTimeoutMs,
            maxQueuedBytes: config.mqttMaxQueuedBytes,
            maxConnecting: config.mqttMaxConnecting,
          },
          onCutOff: cutOffEvents(
            new EventRecorder({ client: api.client.as(BROKER_USER), component: 'drover-broker', log }),
            (n) => informers.informer<Node>('nodes').get(`/${n}`),
          ),
          log: log.child('broker'),
        });
        broker = b;
        mqttUrl = b.url;
        // A re-issued certificate serves new MQTTS connections too; boards connected keep theirs.
        tls.onRotate((c) => b.setCertificate(mqttTls(tls.ca, c)));
        undo.push({ name: 'stop broker', run: () => b.close() });
      },
    ],
    [
      'start gateway',
      async () => {
        // Not in system:masters: its bootstrap role (hub/auth/rbac/gateway-roles.ts) is all it may do.
        const gatewayClient = api.client.as(GATEWAY_USER);
        leases = new LeaseTable({
          client: gatewayClient,
          persistIntervalMs: config.leasePersistIntervalMs,
          leaseDurationSeconds: Math.ceil(config.nodeGraceMs / 1000),
          log: log.child('leases'),
        });
        undo.push({ name: 'flush leases', run: () => leases.close() });
        // A deleted Node's usage history goes with it, so the table holds only nodes that exist.
        const offNodes = informers.informer<Node>('nodes').addHandler({
          onChange: (type, n) => {
            if (type === 'DELETED' && n.metadata.name) usage.forget(n.metadata.name);
          },
        });
        undo.push({ name: 'stop usage history', run: offNodes });
        const nodeController = asController(CONTROLLERS.node);
        // From here the broker accepts boards: the start-up grace runs from when they can return.
        const startTimeMs = Date.now();
        // One counter for every leadership term's controller.
        const marks = api.metrics.counter(
          'drover_node_not_ready_marks_total',
          'Nodes marked Ready=Unknown by the node lifecycle since start, by cause (not-heard-since-start, silent, disconnected).',
        );
        newLifecycle = () =>
          new NodeLifecycleController({
            client: nodeController,
            leases,
            recorder: new EventRecorder({ client: nodeController, component: 'node-controller', log }),
            gracePeriodMs: config.nodeGraceMs,
            ...(config.nodeStartupGraceMs !== undefined ? { startupGraceMs: config.nodeStartupGraceMs } : {}),
            willDebounceMs: config.willDebounceMs,
            startTimeMs,
            lastShedAtMs: () => broker?.admissionStats().lastShedAtMs,
            connectedAtMs: (n) => broker?.connectedAt(nodeClientId(n)),
            marks,
            log: log.child('node-lifecycle'),
            informers,
          });
        lifecycle = newLifecycle();
        const b = broker;
        const nc = opened.nats;
        if (nc) {
          relay = new HubRelay({
            nc,
            log: log.child('relay'),
            hooks: {
              // Heard by another hub: alive here too (that hub writes the board's Lease).
              remoteSeen: (n, ready) => {
                leases.recordHeartbeat(n, Date.now(), false);
                if (ready) leases.setReportedReady(n, ready);
                lifecycle.onActivity(n);
              },
              remoteWill: (n) => {
                leases.markDisconnected(n);
                gateway?.rpc.nodeGone(n);
                lifecycle.onWill(n);
              },
              // Its boards reconnect to the other hubs after their backoff: their grace runs from now.
              remoteHubLost: (_hub, nodes) => {
                const now = Date.now();
                for (const n of nodes) leases.markOrphaned(n, now);
              },
              reportedReady: (n) => leases.reportedReady(n),
              isLocal: (n) => b?.isConnected(nodeClientId(n)) ?? false,
              disconnectLocal: (n) => {
                b?.disconnect(nodeClientId(n));
              },
            },
          });
        }
        const r = relay;
        if (nc && b) {
          const link = new StoreLink({
            nc,
            graceMs: config.storeLostGraceMs,
            onLost: () => b.hold('store unreachable'),
            onRegained: () => b.release(),
            log: log.child('store-link'),
          });
          link.start();
          undo.push({ name: 'stop store link', run: () => link.close() });
        }
        const g = await startGateway({
          mqttUrl,
          ...(broker ? { stream: broker.localStream, tap: broker.tap } : {}),
          username: broker ? HUB_USERNAME : (config.mqttUsername ?? HUB_USERNAME),
          password: broker ? hubSecret : (config.mqttPassword ?? ''),
          client: gatewayClient,
          agentBundles: {
            // Several hubs: a board is served by the hub it is connected to, from the cluster's bucket.
            bundles: nc
              ? await ClusterAgentBundles.open(
                  nc,
                  files.agentBundles,
                  config.storeReplicas,
                  log.child('agent-bundles'),
                )
              : new AgentBundles(files.agentBundles),
            signingKeyPem: tls.ca.keyPem,
          },
          leases,
          usage,
          podUsage,
          log: log.child('gateway'),
          onNodeActivity: (n) => {
            lifecycle.onActivity(n);
            r?.seen(n);
          },
          onNodeWill: (n) => {
            lifecycle.onWill(n);
            r?.will(n);
          },
          ...(r ? { relay: r } : {}),
          rpcTimeoutMs: config.rpcTimeoutMs,
          eventRateLimit: { qps: config.agentEventQps, burst: config.agentEventBurst },
          informers,
          metrics: api.metrics,
          // Embedded broker only: a join whose client already gave up is not processed.
          ...(broker ? { isClientConnected: (id: string) => broker?.isConnected(id) ?? false } : {}),
        });
        gateway = g;
        undo.push({ name: 'stop gateway', run: () => g.close() });
        if (r) {
          r.start();
          undo.push({ name: 'stop hub relay', run: () => r.close() });
        }
      },
    ],
    [
      'start event TTL sweeper',
      async () => {
        const sweeper = new EventTtlSweeper({
          // Every hub sweeps (not leader work), so not behind the leader fence.
          client: api.client.as(controllerUser(CONTROLLERS.eventTtl)),
          ttlMs: config.eventTtlMs,
          log: log.child('event-ttl'),
        });
        sweeper.start();
        undo.push({ name: 'stop event TTL sweeper', run: () => sweeper.stop() });
      },
    ],
    leaderOnly('start controllers', async () => {
      const nodes = lifecycle;
      await nodes.start();
      leaderUndo.push({
        name: 'stop node lifecycle controller',
        run: async () => {
          await nodes.stop();
          lifecycle = newLifecycle();
        },
      });
      const kcm = api.client.as(CONTROLLER_MANAGER_USER).fenced(leaderFence);
      const workloads = await startWorkloadControllers({
        client: kcm,
        clientFor: asController,
        log: log.child('workloads'),
        informers,
      });
      leaderUndo.push({ name: 'stop workload controllers', run: () => workloads.stop() });
      const core = await startCoreControllers({
        client: kcm,
        clientFor: asController,
        log: log.child('controllers'),
        informers,
        usage: podUsage,
        hpaSyncPeriodMs: config.hpaSyncPeriodMs,
        jobBackoffBaseMs: config.jobBackoffBaseMs,
      });
      leaderUndo.push({ name: 'stop core controllers', run: () => core.stop() });
      const b = broker;
      const credentials = asController(CONTROLLERS.nodeCredential);
      const creds = new NodeCredentialController({
        client: credentials,
        // Through the relay, the hub holding the board drops it (this one included).
        ...(relay
          ? { disconnectNode: (n: string) => relay?.kick(n) }
          : b
            ? { disconnectNode: (n: string) => b.disconnect(nodeClientId(n)) }
            : {}),
        recorder: new EventRecorder({ client: credentials, component: 'node-credential-controller', log }),
        log: log.child('node-credentials'),
        informers,
      });
      await creds.start();
      leaderUndo.push({ name: 'stop node credential controller', run: () => creds.stop() });
    }),
    [
      'register metrics',
      async () => {
        const m = api.metrics;
        const b = broker;
        if (b) {
          m.gauge('drover_mqtt_connections', 'Open TCP connections to the embedded broker.', () =>
            b.connections(),
          );
          m.gauge('drover_mqtt_clients', 'Authenticated MQTT clients connected to the embedded broker.', () =>
            b.clients(),
          );
          m.gauge(
            'drover_mqtt_retained_bytes',
            "Memory held by the embedded broker's retained messages (each node's desired set), bytes.",
            () => b.retainedBytes(),
          );
          m.gauge(
            'drover_mqtt_secrets_withheld',
            'Desired states not sent over a plain connection because they carry Secrets, since start.',
            () => b.secretsWithheld(),
          );
          m.gauge(
            'drover_mqtt_refused_connections',
            'Connections refused over the connection cap since start.',
            () => b.refused(),
          );
          m.gauge(
            'drover_mqtt_connecting',
            'Connections to the embedded broker between TCP accept and CONNACK (TLS handshake, CONNECT, credential check).',
            () => b.admissionStats().connecting,
          );
          m.gauge(
            'drover_mqtt_shed_connections',
            'Connection attempts closed before their TLS handshake since start (the boards retry after their backoff): bound = --mqtt-max-connecting were connecting already; loop-lag = the event loop ran a whole CONNECT deadline late.',
            () => {
              const a = b.admissionStats();
              return [
                { labels: { reason: 'bound' }, value: a.shed - a.shedForLag },
                { labels: { reason: 'loop-lag' }, value: a.shedForLag },
              ];
            },
          );
          m.gauge(
            'drover_mqtt_boards_held_off',
            '1 while this hub lets its boards go and takes none because it lost its store (NATS) past --store-lost-grace.',
            () => (b.held() ? 1 : 0),
          );
          m.gauge(
            'drover_mqtt_clients_cut_off',
            'Clients disconnected by a broker limit since start (slow-consumer: queued bytes not read; oversized: packet too large).',
            () => {
              const l = b.limitStats();
              return [
                { labels: { reason: 'slow-consumer' }, value: l.slowConsumers },
                { labels: { reason: 'oversized' }, value: l.oversized },
              ];
            },
          );
        }
        const s = gateway.stats;
        m.gauge(
          'drover_gateway_messages_received',
          'MQTT messages received by the gateway since start.',
          () => s.received,
        );
        m.gauge(
          'drover_gateway_messages_invalid',
          'Messages refused by payload validation since start.',
          () => s.invalid,
        );
        m.gauge(
          'drover_gateway_messages_invalid_utf8',
          'Messages refused because their payload is not valid UTF-8 since start (also in _invalid).',
          () => s.invalidUtf8,
        );
        m.gauge(
          'drover_gateway_events_rate_limited',
          'Agent events dropped by the per-node event rate limit since start.',
          () => s.rateLimited,
        );
        m.gauge(
          'drover_gateway_messages_failed',
          'Messages whose handling failed since start.',
          () => s.failed,
        );
        m.gauge('drover_node_leases', 'Nodes in the in-memory heartbeat table.', () => leases.size());
        registerFleetMetrics(m, informers, leases);
        registerProcessMetrics(m, informers);
        if (opened.store instanceof SqliteStore) registerStoreMetrics(m, opened.store);
      },
    ],
    [
      'lead or stand by',
      async () => {
        const runLeaderSteps = async () => {
          for (const [name, run] of leaderSteps) {
            log.info(`leader: ${name}`);
            await run();
          }
        };
        undo.push({ name: 'stop leader work', run: () => unwind(leaderUndo) });
        if (!opened.nats) return runLeaderSteps(); // SQLite: the only hub is always the leader
        const lock = await KvLeaderLock.open(opened.nats, config.storeReplicas);
        // A give-back's GC pause must not cost the cluster a hub: a leader's pause past the renew
        // deadline loses the lease (half of what is left of the deadline once a renewal is a
        // retry period old: 750 ms by default); a standby's past the relay's dead time makes the
        // other hubs give its boards up (half of what is left once its last presence is a flush
        // old: 2 s). Until 2026-12-04 every hub had the leader's: at 5,000 boards a hub none gave back.
        const leaderBudgetMs = (config.leaderRenewDeadlineMs - config.leaderRetryPeriodMs) / 2;
        const standbyBudgetMs = (DEFAULT_HUB_DEAD_AFTER_MS - DEFAULT_PRESENCE_FLUSH_MS) / 2;
        setGiveBackPauseBudget(standbyBudgetMs);
        const e = new LeaderElector({
          lock,
          identity: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
          leaseDurationMs: config.leaderLeaseDurationMs,
          renewDeadlineMs: config.leaderRenewDeadlineMs,
          retryPeriodMs: config.leaderRetryPeriodMs,
          log: log.child('leader'),
          onStartedLeading: () => {
            setGiveBackPauseBudget(leaderBudgetMs);
            return runLeaderSteps();
          },
          // Unlike kube-controller-manager, which exits: a hub also holds boards' connections, and
          // dropping them all makes a reconnect storm on the other hubs just when this one was too
          // loaded to renew (seen at 15,000 boards over 3 hubs). The term's components stop (their
          // writes fenced meanwhile) and the hub campaigns again as a standby.
          onStoppedLeading: async () => {
            if (hubStopping) return unwind(leaderUndo);
            log.error('leadership lost: stopping the scheduler and controllers, standing by');
            await unwind(leaderUndo);
            setGiveBackPauseBudget(standbyBudgetMs);
            log.info('standing by');
          },
        });
        elector = e;
        e.start();
        undo.push({
          name: 'stop leader election',
          run: () => {
            hubStopping = true;
            return e.stop();
          },
        });
      },
    ],
    [
      'publish cluster info',
      () =>
        writeClusterInfo(
          api.client,
          {
            mqttUrl: boardMqttUrl(),
            ...(broker ? { caCert: tls.ca.certPem } : {}),
          },
          // Several hubs: the join line names them all.
          opened.nats !== undefined,
        ),
    ],
    [
      'write kubeconfig and endpoints',
      async () => {
        // The hub CA vouches for the server unless the operator brought their own certificate.
        const serverCa = tls.current().managed ? tls.ca.certPem : undefined;
        const kept = await reusableClientCert(files.kubeconfig, tls.ca, ADMIN_SUBJECT);
        const yaml = kept
          ? kubeconfigYaml({
              server: api.url,
              ...(serverCa ? { caPem: serverCa } : {}),
              user: ADMIN_SUBJECT.user,
              clientCertPem: kept.certPem,
              clientKeyPem: kept.keyPem,
            })
          : await clientKubeconfig(tls.ca, api.url, ADMIN_SUBJECT, serverCa);
        await writeAtomic(files.kubeconfig, yaml, 0o600);
        const endpoints = {
          api: api.url,
          mqtt: mqttUrl,
          ...(broker?.plainUrl ? { mqttPlain: broker.plainUrl } : {}),
        };
        await writeAtomic(files.endpoints, `${JSON.stringify(endpoints)}\n`);
      },
    ],
  ];

  for (const [name, run] of steps) {
    try {
      await run();
    } catch (e) {
      log.error(`hub start failed at step "${name}"`, { error: e as Error });
      await stopAll();
      throw e;
    }
  }
  log.info('hub started', { api: api.url, mqtt: mqttUrl, dataDir: config.dataDir });

  let stopping: Promise<void> | undefined;
  return {
    apiUrl: api.url,
    mqttUrl,
    boardMqttUrl: boardMqttUrl(),
    ...(broker?.plainUrl ? { mqttPlainUrl: broker.plainUrl } : {}),
    caPem: tls.ca.certPem,
    caHash: tls.ca.hash,
    client: api.client,
    bootstrapToken,
    config,
    leases,
    gateway,
    get nodeLifecycle() {
      return lifecycle;
    },
    get scheduler() {
      return scheduler;
    },
    isLeader: () => elector?.isLeader ?? true,
    broker,
    tls,
    stop() {
      hubStopping = true;
      stopping ??= stopAll().then(() => log.info('hub stopped'));
      return stopping;
    },
  };
}
