// Broker authentication and authorization. Three identities:
//   drover-hub        + the hub's internal secret        -> anything
//   bootstrap:<id>    + a valid bootstrap token <id>.<s>  -> client id join-*, only its own
//                     join/<clientId>/request (publish) and join/<clientId>/response (subscribe)
//   node:<name>       + the node's credential             -> client id node-<name>, only the
//                     agent->hub topics of its node (publish) and its desired/rpc (subscribe)
// Everything else is refused with CONNACK 5 (not authorized). A last will must pass the same
// publish rule as a publish (checked at CONNECT, so a bad will refuses the connection).

import { timingSafeEqual } from 'node:crypto';
import type { AuthenticateError, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';
import { agentMayPublish, agentMaySubscribe, isValidTopicSegment, topics } from '../../shared/mqtt/topics.js';
import {
  BOOTSTRAP_USERNAME_PREFIX,
  HUB_USERNAME,
  NODE_USERNAME_PREFIX,
  nodeClientId,
} from '../../shared/protocol/constants.js';
import type { Logger } from '../../shared/log.js';
import { KeyedTokenBucket } from '../gateway/restriction/rate-limit.js';

export type Identity =
  | { kind: 'hub' }
  | { kind: 'bootstrap'; clientId: string }
  | { kind: 'node'; node: string };

export interface BrokerAuthOptions {
  hubSecret: string;
  verifyBootstrapToken(token: string): Promise<boolean>;
  verifyNodeCredential(node: string, password: string): Promise<boolean>;
  log: Logger;
}

const NOT_AUTHORIZED = 5;
/** Refused-connection log lines per second (burst 20): a CONNECT flood must not become a log flood. */
export const REFUSAL_LOG_QPS = 5;
export const REFUSAL_LOG_BURST = 20;
const SERVER_UNAVAILABLE = 3;

function refuse(message: string, returnCode = NOT_AUTHORIZED): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function mayPublish(id: Identity, topic: string): boolean {
  switch (id.kind) {
    case 'hub':
      return true;
    case 'bootstrap':
      return topic === topics.joinRequest(id.clientId);
    case 'node':
      return agentMayPublish(id.node, topic);
  }
}

export function maySubscribe(id: Identity, filter: string): boolean {
  switch (id.kind) {
    case 'hub':
      return true;
    case 'bootstrap':
      return filter === topics.joinResponse(id.clientId);
    case 'node':
      return agentMaySubscribe(id.node, filter);
  }
}

/** Decides who a CONNECT is; returns a refusal message instead of an identity when refused. */
export async function identify(
  opts: BrokerAuthOptions,
  clientId: string,
  username: string | undefined,
  password: string | undefined,
): Promise<Identity | string> {
  if (username === undefined || password === undefined) return 'credentials required';
  if (username === HUB_USERNAME) {
    return safeEqual(password, opts.hubSecret) ? { kind: 'hub' } : 'bad hub secret';
  }
  if (username.startsWith(BOOTSTRAP_USERNAME_PREFIX)) {
    const tokenId = username.slice(BOOTSTRAP_USERNAME_PREFIX.length);
    if (!clientId.startsWith('join-') || !/^[A-Za-z0-9_-]{1,128}$/.test(clientId))
      return 'bootstrap clients must use a client id join-<random>';
    if (!password.startsWith(`${tokenId}.`)) return 'token does not match the username';
    return (await opts.verifyBootstrapToken(password))
      ? { kind: 'bootstrap', clientId }
      : 'invalid bootstrap token';
  }
  if (username.startsWith(NODE_USERNAME_PREFIX)) {
    const node = username.slice(NODE_USERNAME_PREFIX.length);
    if (!isValidTopicSegment(node)) return 'invalid node name';
    if (clientId !== nodeClientId(node)) return `node clients must use client id ${nodeClientId(node)}`;
    return (await opts.verifyNodeCredential(node, password))
      ? { kind: 'node', node }
      : 'invalid node credential';
  }
  return 'unknown user';
}

/** aedes hooks plus a lookup of each connected client's identity. */
export function createBrokerAuth(opts: BrokerAuthOptions) {
  const identities = new WeakMap<Client, Identity>();
  const wills = new WeakMap<Client, string>();
  const refusalLog = new KeyedTokenBucket(REFUSAL_LOG_QPS, REFUSAL_LOG_BURST);
  let unlogged = 0;
  const logRefusal = (fields: Record<string, unknown>) => {
    if (!refusalLog.take('refused')) {
      unlogged++;
      return;
    }
    opts.log.info('connection refused', {
      ...fields,
      ...(unlogged ? { alsoRefusedUnlogged: unlogged } : {}),
    });
    unlogged = 0;
  };

  return {
    identityOf: (client: Client) => identities.get(client),

    preConnect(client: Client, packet: ConnectPacket, cb: (err: Error | null, ok: boolean) => void): void {
      if (packet.will) wills.set(client, packet.will.topic);
      cb(null, true);
    },

    authenticate(
      client: Client,
      username: Readonly<string | undefined>,
      password: Readonly<Buffer | undefined>,
      done: (err: AuthenticateError | null, ok: boolean | null) => void,
    ): void {
      identify(opts, client.id, username, password?.toString('utf8'))
        .then((id) => {
          if (typeof id === 'string') {
            logRefusal({ clientId: client.id, username, reason: id });
            return done(refuse(id), false);
          }
          const will = wills.get(client);
          if (will !== undefined && !mayPublish(id, will)) {
            logRefusal({
              clientId: client.id,
              username,
              reason: 'will topic not allowed',
              will,
            });
            return done(refuse('will topic not allowed'), false);
          }
          identities.set(client, id);
          done(null, true);
        })
        .catch((e: unknown) => {
          opts.log.warn('authentication failed with an error', { clientId: client.id, error: e as Error });
          done(refuse('server unavailable', SERVER_UNAVAILABLE), false);
        });
    },

    authorizePublish(client: Client | null, packet: PublishPacket, cb: (err?: Error | null) => void): void {
      const id = client ? identities.get(client) : undefined;
      if (id && mayPublish(id, packet.topic)) {
        cb(null);
        return;
      }
      opts.log.warn('publish refused', { clientId: client?.id, topic: packet.topic });
      cb(new Error(`publish to ${packet.topic} not allowed`));
    },

    authorizeSubscribe(
      client: Client,
      sub: Subscription,
      cb: (err: Error | null, sub?: Subscription | null) => void,
    ): void {
      const id = identities.get(client);
      if (id && maySubscribe(id, sub.topic)) {
        cb(null, sub);
        return;
      }
      opts.log.warn('subscribe refused', { clientId: client.id, filter: sub.topic });
      cb(null, null); // SUBACK 0x80 for this filter; the connection stays
    },
  };
}

export type BrokerAuth = ReturnType<typeof createBrokerAuth>;
