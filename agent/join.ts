// First contact with a hub: trade a bootstrap token for the node's own MQTT credential.
// Named steps so a failure says where it stopped (connect, subscribe, request, response).

import { randomBytes } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from '../shared/log.js';
import { topics } from '../shared/mqtt/topics.js';
import { BOOTSTRAP_USERNAME_PREFIX, MQTT_PROTOCOL_VERSION } from '../shared/protocol/constants.js';
import {
  encode,
  type JoinRequest,
  type JoinResponse,
  parseJoinResponse,
} from '../shared/protocol/messages.js';
import type { NodeCredential } from './credentials.js';
import type { DialGate } from './dial-gate.js';
import type { TlsOptions } from './hub-ca.js';

export type JoinStep = 'connect' | 'subscribe' | 'request' | 'response';

/** The join failed at one step (network, timeout, broker refusal). */
export class JoinError extends Error {
  override name = 'JoinError';
  constructor(
    readonly step: JoinStep,
    message: string,
  ) {
    super(`join failed at step ${step}: ${message}`);
  }
}

/** The hub answered and said no (unknown/expired token, name taken...): retrying will not help. */
export class JoinRefusedError extends Error {
  override name = 'JoinRefusedError';
}

export interface JoinOptions {
  hubUrl: string;
  token: string;
  nodeName: string;
  labels?: Record<string, string>;
  /** The node's current password, if it still has one: the hub re-issues a taken name only to its holder. */
  previousPassword?: string;
  /** The hub CA (mqtts://): the token goes only to a hub it vouches for. */
  tls?: TlsOptions;
  timeoutMs: number;
  log?: Logger;
  /** Held from the dial to the CONNACK (dial-gate.ts); the timeout starts once it is held. */
  dialGate?: DialGate;
}

export function joinClientId(): string {
  return `join-${randomBytes(8).toString('hex')}`;
}

export async function joinHub(opts: JoinOptions): Promise<NodeCredential> {
  const release = await opts.dialGate?.acquire();
  const clientId = joinClientId();
  const tokenId = opts.token.split('.')[0];
  const deadline = Date.now() + opts.timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  opts.log?.info('joining hub', { hub: opts.hubUrl, node: opts.nodeName, clientId });

  const client = connect(opts.hubUrl, {
    protocolVersion: MQTT_PROTOCOL_VERSION,
    clientId,
    username: `${BOOTSTRAP_USERNAME_PREFIX}${tokenId}`,
    password: opts.token,
    clean: true,
    reconnectPeriod: 0, // one attempt; the caller decides when to retry
    connectTimeout: opts.timeoutMs,
    writeCache: false, // see agent.ts: saves ~6 MB on a board
    ...opts.tls,
  });
  try {
    await step('connect', left(), (ok, fail) => {
      client.once('connect', () => ok(undefined));
      client.once('error', (e) =>
        fail(
          isAuthRefusal(e)
            ? new JoinRefusedError(
                'the broker refused the bootstrap token (unknown, expired or malformed); create a new one with `drover token create`',
              )
            : e.message,
        ),
      );
      client.once('close', () => fail('connection closed before the broker accepted it'));
    }).finally(() => release?.());
    await step('subscribe', left(), (ok, fail) => {
      client.subscribe(topics.joinResponse(clientId), { qos: 1 }, (err, granted) => {
        if (err) fail(err.message);
        else if (granted?.some((g) => g.qos === 128)) fail('the broker refused the subscription');
        else ok(undefined);
      });
    });
    const response = waitResponse(client, clientId);
    await step('request', left(), (ok, fail) => {
      // The token again, for the hub to spend one of its uses on this name (its limits).
      const req: Omit<JoinRequest, 'v'> = {
        nodeName: opts.nodeName,
        labels: opts.labels,
        token: opts.token,
        ...(opts.previousPassword ? { password: opts.previousPassword } : {}),
      };
      client.publish(topics.joinRequest(clientId), encode<JoinRequest>(req), { qos: 1 }, (err) =>
        err ? fail(err.message) : ok(undefined),
      );
    });
    const res = await step<JoinResponse>('response', left(), (ok, fail) => {
      response.then(ok, (e: Error) => fail(e.message));
    });
    if (!res.ok)
      throw new JoinRefusedError(
        `the hub refused the join of ${opts.nodeName}: ${res.error ?? 'no reason given'}`,
      );
    if (!res.username || !res.password)
      throw new JoinError('response', 'the hub accepted the join but sent no credential');
    opts.log?.info('joined hub', { node: res.nodeName ?? opts.nodeName, username: res.username });
    return {
      nodeName: res.nodeName ?? opts.nodeName,
      username: res.username,
      password: res.password,
      joinedAt: new Date().toISOString(),
    };
  } finally {
    release?.();
    client.end(true);
  }
}

function waitResponse(client: MqttClient, clientId: string) {
  const topic = topics.joinResponse(clientId);
  return new Promise<ReturnType<typeof parseJoinResponse>>((resolve, reject) => {
    client.on('message', (t, payload) => {
      if (t !== topic) return;
      try {
        resolve(parseJoinResponse(payload));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

function step<T>(
  name: JoinStep,
  timeoutMs: number,
  run: (ok: (v: T) => void, fail: (e: string | Error) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new JoinError(name, `no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    run(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(typeof e === 'string' ? new JoinError(name, e) : e);
      },
    );
  });
}

/** MQTT 3.1.1 CONNACK return codes 4 and 5: the broker does not accept these credentials. */
export function isAuthRefusal(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 4 || code === 5 || code === 134 || code === 135;
}
