// A real aedes broker plus the smallest join answerer, for testing the agent without a whole
// hub: it checks bootstrap tokens and node credentials, answers joins, and records what the
// agent sends. Not a mock: real TCP, real MQTT, the shared topic/message code.

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { parseTopic, topics } from '../../shared/mqtt/topics.js';
import {
  BOOTSTRAP_USERNAME_PREFIX,
  NODE_CLIENT_ID_PREFIX,
  NODE_USERNAME_PREFIX,
} from '../../shared/protocol/constants.js';
import {
  type DesiredState,
  encode,
  type Heartbeat,
  type JoinResponse,
  type NodeStatusReport,
  parseHeartbeat,
  parseJoinRequest,
  parseNodeStatusReport,
  parsePodStatusReport,
  parseWill,
  type WillMessage,
} from '../../shared/protocol/messages.js';

export interface MiniHub {
  url: string;
  port: number;
  joins: string[];
  statuses: NodeStatusReport[];
  heartbeats: { node: string; hb: Heartbeat }[];
  wills: { node: string; will: WillMessage }[];
  /** Pod status reports as received: node, pod name and the reported phase. */
  podStatuses: { node: string; pod: string; phase?: string }[];
  /** Forget a node's credential, as a reset hub would. */
  revoke(node: string): void;
  publishDesired(node: string, s: Omit<DesiredState, 'v'>): Promise<void>;
  close(): Promise<void>;
}

export async function startMiniHub(opts: {
  token: string;
  port?: number;
  /** node -> password; pass one map to several mini hubs so they share the credentials they issue. */
  creds?: Map<string, string>;
  /** Hold each publish of a node this long before handling it (a busy hub: its PUBACKs come late), ms. */
  publishDelayMs?: number;
}): Promise<MiniHub> {
  const creds = opts.creds ?? new Map<string, string>();
  const [tokenId] = opts.token.split('.');
  const broker = await Aedes.createBroker({
    authenticate(_client, username, password, done) {
      const pw = password?.toString() ?? '';
      if (username === `${BOOTSTRAP_USERNAME_PREFIX}${tokenId}` && pw === opts.token) return done(null, true);
      if (
        username?.startsWith(NODE_USERNAME_PREFIX) &&
        creds.get(username.slice(NODE_USERNAME_PREFIX.length)) === pw
      )
        return done(null, true);
      if (username === 'test') return done(null, true);
      const err = Object.assign(new Error('bad credentials'), { returnCode: 4 as const });
      done(err, false);
    },
    authorizePublish(client, _packet, done) {
      const delay = opts.publishDelayMs ?? 0;
      if (delay > 0 && client?.id.startsWith(NODE_CLIENT_ID_PREFIX)) setTimeout(() => done(null), delay);
      else done(null);
    },
  });
  const hub: MiniHub = {
    url: '',
    port: 0,
    joins: [],
    statuses: [],
    heartbeats: [],
    wills: [],
    podStatuses: [],
    revoke: (node) => {
      creds.delete(node);
    },
    publishDesired: (node, s) =>
      new Promise((resolve, reject) =>
        broker.publish(
          {
            cmd: 'publish',
            topic: topics.desired(node),
            payload: encode<DesiredState>(s),
            qos: 1,
            retain: true,
            dup: false,
          },
          (e) => (e ? reject(e) : resolve()),
        ),
      ),
    close: async () => {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  broker.on('publish', (packet, client) => {
    if (!client) return;
    const t = parseTopic(packet.topic);
    if (!t) return;
    if (t.kind === 'joinRequest') {
      const req = parseJoinRequest(packet.payload as Buffer);
      const password = randomBytes(16).toString('hex');
      creds.set(req.nodeName, password);
      hub.joins.push(req.nodeName);
      const res: Omit<JoinResponse, 'v'> = {
        ok: true,
        nodeName: req.nodeName,
        username: `${NODE_USERNAME_PREFIX}${req.nodeName}`,
        password,
      };
      broker.publish(
        {
          cmd: 'publish',
          topic: topics.joinResponse(t.clientId),
          payload: encode<JoinResponse>(res),
          qos: 1,
          retain: false,
          dup: false,
        },
        () => {},
      );
    } else if (t.kind === 'status') hub.statuses.push(parseNodeStatusReport(packet.payload as Buffer));
    else if (t.kind === 'lease')
      hub.heartbeats.push({ node: t.node, hb: parseHeartbeat(packet.payload as Buffer) });
    else if (t.kind === 'podStatus')
      hub.podStatuses.push({
        node: t.node,
        pod: t.pod,
        phase: parsePodStatusReport(packet.payload as Buffer).status.phase,
      });
    else if (t.kind === 'will') hub.wills.push({ node: t.node, will: parseWill(packet.payload as Buffer) });
  });
  const server: Server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', () => r()));
  const addr = server.address();
  hub.port = typeof addr === 'object' && addr ? addr.port : 0;
  hub.url = `mqtt://127.0.0.1:${hub.port}`;
  return hub;
}
