// Hub-to-hub relay messages (JSON over NATS core) and their validation. NATS is inside the
// cluster's trust boundary (it holds the store), but a malformed message must still be refused
// whole, never half-applied.

import { parseJsonBounded } from '../../shared/codec/json-depth.js';
import type { NodeCondition } from '../../shared/api/types.js';
import { agentMaySubscribe, isValidTopicSegment } from '../../shared/mqtt/topics.js';
import { HUB_ID_RE } from './subjects.js';

/** Nesting allowed in a relay message (a node condition is the deepest part). */
const MAX_DEPTH = 8;

/** A hub's boards since its last batch: heard from (with the Ready they last reported, when it changed), or their last will. */
export interface PresenceBatch {
  v: 1;
  hub: string;
  seen: string[];
  ready: Record<string, NodeCondition>;
  wills: string[];
}

/** For the hub holding `node`: publish on its broker; or an RPC answer chunk for a call this hub made. */
export type HubMessage =
  | { v: 1; kind: 'toNode'; node: string; topic: string; payload: string; qos: 0 | 1 }
  | { v: 1; kind: 'rpcResponse'; node: string; id: string; payload: string };

export interface KickMessage {
  v: 1;
  node: string;
}

export class RelayMessageError extends Error {
  override name = 'RelayMessageError';
}

function object(data: Uint8Array): Record<string, unknown> {
  let v: unknown;
  try {
    v = parseJsonBounded(Buffer.from(data).toString('utf8'), MAX_DEPTH);
  } catch (e) {
    throw new RelayMessageError(`not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RelayMessageError('not an object');
  const o = v as Record<string, unknown>;
  if (o.v !== 1) throw new RelayMessageError(`unknown version ${JSON.stringify(o.v)}`);
  return o;
}

function nodeName(v: unknown, what: string): string {
  if (typeof v !== 'string' || !isValidTopicSegment(v))
    throw new RelayMessageError(`${what}: not a node name`);
  return v;
}

function nodeList(v: unknown, what: string): string[] {
  if (!Array.isArray(v)) throw new RelayMessageError(`${what}: not a list`);
  return v.map((n) => nodeName(n, what));
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new RelayMessageError(`${what}: not a string`);
  return v;
}

function readyCondition(v: unknown, node: string): NodeCondition {
  if (typeof v !== 'object' || v === null) throw new RelayMessageError(`ready.${node}: not an object`);
  const c = v as Record<string, unknown>;
  if (c.type !== 'Ready' || !['True', 'False', 'Unknown'].includes(c.status as string))
    throw new RelayMessageError(`ready.${node}: not a Ready condition`);
  for (const k of ['reason', 'message'])
    if (c[k] !== undefined && typeof c[k] !== 'string')
      throw new RelayMessageError(`ready.${node}.${k}: not a string`);
  return c as unknown as NodeCondition;
}

export function parsePresenceBatch(data: Uint8Array): PresenceBatch {
  const o = object(data);
  const hub = str(o.hub, 'hub');
  if (!HUB_ID_RE.test(hub)) throw new RelayMessageError('hub: not a hub id');
  if (typeof o.ready !== 'object' || o.ready === null || Array.isArray(o.ready))
    throw new RelayMessageError('ready: not an object');
  const ready: Record<string, NodeCondition> = {};
  for (const [n, c] of Object.entries(o.ready)) ready[nodeName(n, 'ready')] = readyCondition(c, n);
  return { v: 1, hub, seen: nodeList(o.seen, 'seen'), ready, wills: nodeList(o.wills, 'wills') };
}

export function parseHubMessage(data: Uint8Array): HubMessage {
  const o = object(data);
  const node = nodeName(o.node, 'node');
  const payload = str(o.payload, 'payload');
  if (o.kind === 'toNode') {
    if (o.qos !== 0 && o.qos !== 1) throw new RelayMessageError('qos: not 0 or 1');
    const topic = str(o.topic, 'topic');
    // Only what the hub may send that board (its desired state, its RPC requests).
    if (!agentMaySubscribe(node, topic))
      throw new RelayMessageError(`topic ${topic} is not for node ${node}`);
    return { v: 1, kind: 'toNode', node, topic, payload, qos: o.qos };
  }
  if (o.kind === 'rpcResponse') return { v: 1, kind: 'rpcResponse', node, id: str(o.id, 'id'), payload };
  throw new RelayMessageError(`unknown kind ${JSON.stringify(o.kind)}`);
}

export function parseKick(data: Uint8Array): KickMessage {
  const o = object(data);
  return { v: 1, node: nodeName(o.node, 'node') };
}

export function encodeRelay(msg: PresenceBatch | HubMessage | KickMessage): Uint8Array {
  return Buffer.from(JSON.stringify(msg));
}
