// Test harness: a real hub (startHub: SQLite file, API server, aedes, gateway, controllers) in
// a temp dir, and agents played by real mqtt.js connections speaking the protocol.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { test } from 'uvu';
import type { HubOptions } from '../../../hub/config.js';
import { type Hub, startHub } from '../../../hub/hub.js';
import { componentRefusals } from '../../helpers/component-refusals.js';
import { trustHub } from '../../helpers/hub-tls.js';
import { topics } from '../../../shared/mqtt/topics.js';
import {
  encode,
  type Heartbeat,
  type JoinRequest,
  type JoinResponse,
  type NodeStatusReport,
  parseJoinResponse,
  type WillMessage,
} from '../../../shared/protocol/messages.js';

export function tempDir(prefix = 'drover-hub-test-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(pathJoin(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A hub on loopback ports; the test's global fetch() reaches its API as admin (helpers/hub-tls.ts). */
export async function testHub(dataDir: string, opts: HubOptions = {}): Promise<Hub> {
  const hub = await startHub({
    dataDir,
    apiHost: '127.0.0.1',
    apiPort: 0,
    mqttHost: '127.0.0.1',
    mqttPort: 0,
    logLevel: (process.env.DROVER_LOG_LEVEL as 'debug' | undefined) ?? 'error',
    ...opts,
  });
  trustHub(hub.apiUrl, dataDir);
  return hub;
}

/** A real mqtt.js client of the hub's broker, over MQTTS verified with the hub CA. */
/**
 * One hub for the whole test file, started before its first test and stopped (its directory
 * removed) after its last; call at module level and read the hub through the getter.
 */
export function hubPerFile(
  opts: HubOptions = {},
  /** In-process users a test refuses on purpose (their 403s are not a missing role permission). */
  refusedOnPurpose: string[] = [],
): () => Hub {
  let dir: ReturnType<typeof tempDir> | undefined;
  let hub: Hub | undefined;
  test.before(async () => {
    dir = tempDir();
    hub = await testHub(dir.path, opts);
  });
  test.after(async () => {
    await hub?.stop();
    // No component of the hub was refused by RBAC while the file ran.
    const refused = dir ? componentRefusals(dir.path, refusedOnPurpose) : [];
    dir?.cleanup();
    if (refused.length)
      throw new Error(
        `in-process requests refused by RBAC:\n${refused.map((r) => JSON.stringify(r)).join('\n')}`,
      );
  });
  return () => {
    if (!hub) throw new Error('the hub starts in test.before');
    return hub;
  };
}

export function mqttConnect(hub: Hub, opts: IClientOptions): Promise<MqttClient> {
  return mqtt.connectAsync(hub.mqttUrl, {
    ca: hub.caPem,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...opts,
  });
}

export interface JoinAs {
  labels?: Record<string, string>;
  /** Default the hub's bootstrap token. */
  token?: string;
  /** The node's current password (a re-join). */
  password?: string;
}

/** Joins with a bootstrap token, as an agent does; returns the JoinResponse. */
export async function join(hub: Hub, nodeName: string, as: JoinAs = {}): Promise<JoinResponse> {
  const clientId = `join-${randomBytes(6).toString('hex')}`;
  const token = as.token ?? hub.bootstrapToken;
  const c = await mqttConnect(hub, {
    clientId,
    username: `bootstrap:${token.split('.')[0]}`,
    password: token,
  });
  try {
    const res = new Promise<JoinResponse>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no join response')), 10_000);
      c.on('message', (_topic, payload) => {
        clearTimeout(t);
        resolve(parseJoinResponse(payload));
      });
    });
    await c.subscribeAsync(topics.joinResponse(clientId), { qos: 1 });
    await c.publishAsync(
      topics.joinRequest(clientId),
      encode<JoinRequest>({
        nodeName,
        token,
        ...(as.labels ? { labels: as.labels } : {}),
        ...(as.password ? { password: as.password } : {}),
      }),
      {
        qos: 1,
      },
    );
    return await res;
  } finally {
    await c.endAsync(true);
  }
}

/** Connects as the node with its credential and its last will. */
export function connectNode(
  hub: Hub,
  nodeName: string,
  password: string,
  extra: IClientOptions = {},
): Promise<MqttClient> {
  return mqttConnect(hub, {
    clientId: `node-${nodeName}`,
    username: `node:${nodeName}`,
    password,
    will: {
      topic: topics.will(nodeName),
      payload: encode<WillMessage>({ reason: 'connection lost' }),
      qos: 1,
      retain: false,
    },
    ...extra,
  });
}

export function statusReport(nodeName: string, over: Partial<NodeStatusReport> = {}): NodeStatusReport {
  return {
    v: 1,
    nodeName,
    bootID: 'boot-1',
    labels: { 'drover.io/board': 'pi4' },
    capacity: { cpu: '4', memory: '3881Mi', pods: '110' },
    allocatable: { cpu: '4', memory: '3625Mi', pods: '110' },
    conditions: [
      { type: 'Ready', status: 'True', reason: 'AgentReady', message: 'agent is posting ready status' },
    ],
    addresses: [
      { type: 'InternalIP', address: '10.0.0.7' },
      { type: 'Hostname', address: nodeName },
    ],
    nodeInfo: {
      machineID: 'm',
      systemUUID: 's',
      bootID: 'boot-1',
      kernelVersion: '6.1.0',
      osImage: 'Debian GNU/Linux 12',
      containerRuntimeVersion: 'docker://24.0.0',
      kubeletVersion: 'v0.1.0-drover',
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: 'arm64',
    },
    ...over,
  };
}

export async function sendStatus(
  c: MqttClient,
  nodeName: string,
  over: Partial<NodeStatusReport> = {},
): Promise<void> {
  const { v: _v, ...msg } = statusReport(nodeName, over);
  await c.publishAsync(topics.status(nodeName), encode<NodeStatusReport>(msg), { qos: 1 });
}

let seq = 0;
export async function sendHeartbeat(c: MqttClient, nodeName: string): Promise<void> {
  await c.publishAsync(topics.lease(nodeName), encode<Heartbeat>({ seq: ++seq, time: Date.now() }), {
    qos: 1,
  });
}
