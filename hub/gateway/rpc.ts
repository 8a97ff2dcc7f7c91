// Hub -> agent request/response over MQTT: a request on nodes/<node>/rpc/req/<id>, answered by
// ordered chunks on nodes/<node>/rpc/res/<id> (seq 0 acknowledges; the last has done=true).
// Chunks may arrive out of order: they are delivered by seq. A call fails when the first
// answer does not come in time, when the node's connection drops (last will), or when the hub
// closes; the caller cancels it when its own client goes away (the agent stops streaming).

import { randomBytes } from 'node:crypto';
import type { Logger } from '../../shared/log.js';
import { topics } from '../../shared/mqtt/topics.js';
import { RPC_CHUNK_CHARS, RPC_METHOD_CANCEL } from '../../shared/protocol/constants.js';
import { encode, type RpcRequest, type RpcResponse } from '../../shared/protocol/messages.js';
import type { PublishOptions } from './context.js';

/** Wait for an agent's first answer, ms. */
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;
/** Out-of-order chunks held while waiting for a missing one, count. */
const MAX_BUFFERED_CHUNKS = 1000;
/** Out-of-order chunk text held per call while waiting for a missing one, characters (128 full chunks). */
export const MAX_BUFFERED_CHARS = 128 * RPC_CHUNK_CHARS;

/** The agent did not answer in time (node offline or overloaded). */
export class RpcTimeoutError extends Error {
  override name = 'RpcTimeoutError';
}

/** The agent answered with an error; code is the HTTP status it suggests (404, 400, 500). */
export class RpcRemoteError extends Error {
  override name = 'RpcRemoteError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** The node's MQTT connection dropped, or the hub is stopping, while the call was open. */
export class RpcAbortedError extends Error {
  override name = 'RpcAbortedError';
}

export interface RpcCallOptions {
  /** For the first answer, ms (default DEFAULT_RPC_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Max quiet time between chunks after the first, ms; undefined = none (a followed log may be quiet). */
  idleTimeoutMs?: number;
  /** A chunk's data; chunk carries the rest of it (an exec's stream). */
  onData(data: string, chunk: RpcResponse): void;
  /** After `ready` resolved: the stream ended, with the error when it failed, or its last chunk. */
  onEnd(err?: Error, last?: RpcResponse): void;
}

export interface RpcCall {
  id: string;
  /** Resolves on the agent's acknowledgement; rejects with RpcTimeoutError/RpcRemoteError/RpcAbortedError. */
  ready: Promise<void>;
  /** Stops the call and tells the agent to stop; no callback runs afterwards. */
  cancel(): void;
  /** Sends a follow-up request on the call's id (an exec's stdin, resize); false once the call is over. */
  send(method: string, params: Record<string, unknown>): boolean;
}

interface Pending {
  node: string;
  opts: RpcCallOptions;
  next: number;
  buffered: Map<number, RpcResponse>;
  /** Characters of data in buffered. */
  bufferedChars: number;
  acked: boolean;
  timer?: NodeJS.Timeout;
  resolve(): void;
  reject(e: Error): void;
}

export interface RpcClientOptions {
  publish(topic: string, payload: Buffer, opts: PublishOptions): Promise<void>;
  log: Logger;
  defaultTimeoutMs?: number;
  /** Starts every call id (the hub's relay id: an answer that reaches another hub comes back). */
  idPrefix?: string;
}

export class RpcClient {
  private readonly pending = new Map<string, Pending>();
  private readonly defaultTimeoutMs: number;

  constructor(private readonly o: RpcClientOptions) {
    this.defaultTimeoutMs = o.defaultTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
  }

  /** Calls in flight (tests, metrics). */
  get open(): number {
    return this.pending.size;
  }

  call(node: string, method: string, params: Record<string, unknown>, opts: RpcCallOptions): RpcCall {
    const id = `${this.o.idPrefix ?? ''}${randomBytes(12).toString('hex')}`;
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const ready = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    ready.catch(() => {}); // the caller awaits it; no unhandled rejection meanwhile
    const p: Pending = {
      node,
      opts,
      next: 0,
      buffered: new Map(),
      bufferedChars: 0,
      acked: false,
      resolve,
      reject,
    };
    this.pending.set(id, p);
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    this.arm(id, p, timeoutMs, `node ${node} did not answer the ${method} request within ${timeoutMs} ms`);
    this.send(node, id, method, params).catch((e: unknown) =>
      this.fail(
        id,
        new RpcAbortedError(`cannot send the ${method} request to node ${node}: ${(e as Error).message}`),
      ),
    );
    return {
      id,
      ready,
      cancel: () => {
        if (!this.pending.has(id)) return;
        this.drop(id);
        this.send(node, id, RPC_METHOD_CANCEL, {}).catch(() => {});
      },
      send: (m, prm) => {
        if (!this.pending.has(id)) return false;
        this.send(node, id, m, prm).catch((e: unknown) =>
          this.fail(id, new RpcAbortedError(`cannot send ${m} to node ${node}: ${(e as Error).message}`)),
        );
        return true;
      },
    };
  }

  /** A response chunk from node's agent. */
  onResponse(node: string, id: string, r: RpcResponse): void {
    const p = this.pending.get(id);
    if (!p) return; // cancelled or timed out: late chunks are dropped
    if (p.node !== node) {
      this.o.log.warn('rpc response from the wrong node ignored', { node, expected: p.node, id });
      return;
    }
    if (r.seq < p.next) return; // duplicate (QoS 1 redelivery)
    p.bufferedChars += (r.data?.length ?? 0) - (p.buffered.get(r.seq)?.data?.length ?? 0);
    p.buffered.set(r.seq, r);
    if (p.buffered.size > MAX_BUFFERED_CHUNKS || p.bufferedChars > MAX_BUFFERED_CHARS) {
      this.fail(id, new RpcAbortedError(`node ${node}: response chunk ${p.next} never arrived`));
      return;
    }
    for (let c = p.buffered.get(p.next); c; c = p.buffered.get(p.next)) {
      p.buffered.delete(p.next);
      p.bufferedChars -= c.data?.length ?? 0;
      p.next++;
      if (!this.deliver(id, p, c)) return;
    }
  }

  /** The node's connection dropped: its open calls cannot be answered. */
  nodeGone(node: string): void {
    for (const [id, p] of this.pending)
      if (p.node === node) this.fail(id, new RpcAbortedError(`node ${node} disconnected`));
  }

  close(): void {
    for (const id of [...this.pending.keys()]) this.fail(id, new RpcAbortedError('the hub is stopping'));
  }

  /** Handles one in-order chunk; false when the call is over. */
  private deliver(id: string, p: Pending, c: RpcResponse): boolean {
    if (c.error !== undefined) {
      this.fail(id, new RpcRemoteError(c.error ?? 'error', c.code ?? 500));
      return false;
    }
    if (!p.acked) {
      p.acked = true;
      p.resolve();
    }
    if (c.data) p.opts.onData(c.data, c);
    if (c.done) {
      this.drop(id);
      p.opts.onEnd(undefined, c);
      return false;
    }
    if (p.opts.idleTimeoutMs !== undefined)
      this.arm(id, p, p.opts.idleTimeoutMs, `node ${p.node} went quiet for ${p.opts.idleTimeoutMs} ms`);
    else clearTimeout(p.timer);
    return true;
  }

  private arm(id: string, p: Pending, ms: number, message: string): void {
    clearTimeout(p.timer);
    p.timer = setTimeout(() => this.fail(id, new RpcTimeoutError(message), true), ms);
  }

  private fail(id: string, err: Error, cancelRemote = false): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.drop(id);
    if (cancelRemote) this.send(p.node, id, RPC_METHOD_CANCEL, {}).catch(() => {});
    if (p.acked) p.opts.onEnd(err);
    else p.reject(err);
  }

  private drop(id: string): void {
    const p = this.pending.get(id);
    if (p) clearTimeout(p.timer);
    this.pending.delete(id);
  }

  private send(node: string, id: string, method: string, params: Record<string, unknown>): Promise<void> {
    return this.o.publish(topics.rpcRequest(node, id), encode<RpcRequest>({ method, params }), { qos: 1 });
  }
}
