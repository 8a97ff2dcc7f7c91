// The agent's side of hub -> agent request/response over MQTT: requests arrive on
// nodes/<node>/rpc/req/<id>, answers go out as ordered chunks on nodes/<node>/rpc/res/<id>.
// Methods: `logs` (a container log, followed or not) and `cancel` (the hub's client went away).
// A request is acknowledged with an empty chunk (seq 0) once it is known to succeed, so the hub
// can still answer an HTTP error before it starts streaming.

import { StringDecoder } from 'node:string_decoder';
import type { Logger } from '../shared/log.js';
import { topics } from '../shared/mqtt/topics.js';
import { RPC_CHUNK_CHARS, RPC_METHOD_CANCEL, RPC_METHOD_LOGS } from '../shared/protocol/constants.js';
import { encode, type RpcRequest, type RpcResponse } from '../shared/protocol/messages.js';
import { ContainerNameError, NoContainerInstanceError, PodNotFoundError } from './pods/errors.js';
import type { LogsOptions } from './pods/manager.js';
import type { LogStream } from './runtime/runtime.js';

/** Bad parameters in a request. */
export class RpcParamsError extends Error {
  override name = 'RpcParamsError';
}

export interface RpcServerOptions {
  nodeName: string;
  logs(ns: string, name: string, opts: LogsOptions): Promise<LogStream>;
  /** Publishes one response chunk (QoS 1: chunks of one id keep their order). */
  publish(topic: string, payload: Buffer): void;
  log: Logger;
}

export interface LogsParams extends LogsOptions {
  namespace: string;
  name: string;
}

function codeOf(e: unknown): number {
  if (e instanceof PodNotFoundError) return 404;
  if (e instanceof ContainerNameError || e instanceof NoContainerInstanceError || e instanceof RpcParamsError)
    return 400;
  return 500;
}

/** Checks `logs` params: strings, a non-negative integer tailLines, booleans. */
export function parseLogsParams(p: Record<string, unknown>): LogsParams {
  const str = (k: string, optional: boolean): string | undefined => {
    const v = p[k];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'string' || v === '') throw new RpcParamsError(`logs: ${k} must be a non-empty string`);
    return v;
  };
  const bool = (k: string): boolean | undefined => {
    const v = p[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw new RpcParamsError(`logs: ${k} must be a boolean`);
    return v;
  };
  const tail = p.tailLines;
  if (tail !== undefined && (typeof tail !== 'number' || !Number.isInteger(tail) || tail < 0))
    throw new RpcParamsError('logs: tailLines must be an integer >= 0');
  return {
    namespace: str('namespace', false)!,
    name: str('name', false)!,
    container: str('container', true),
    tailLines: tail as number | undefined,
    follow: bool('follow'),
    previous: bool('previous'),
    timestamps: bool('timestamps'),
  };
}

export class RpcServer {
  /** Open log streams by request id. */
  private readonly active = new Map<string, LogStream>();

  constructor(private readonly o: RpcServerOptions) {}

  /** Number of requests still streaming (tests). */
  get openStreams(): number {
    return this.active.size;
  }

  handle(id: string, req: RpcRequest): void {
    if (req.method === RPC_METHOD_CANCEL) {
      this.cancel(id);
      return;
    }
    if (req.method === RPC_METHOD_LOGS) {
      void this.logs(id, req.params);
      return;
    }
    this.send(id, {
      seq: 0,
      done: true,
      code: 400,
      error: `unknown method ${JSON.stringify(req.method)}; known: ${RPC_METHOD_LOGS}, ${RPC_METHOD_CANCEL}`,
    });
  }

  cancel(id: string): void {
    const ls = this.active.get(id);
    if (!ls) return;
    this.active.delete(id);
    ls.stop();
  }

  /** Stops every stream: answers published while disconnected would be dropped anyway. */
  stopAll(): void {
    for (const id of [...this.active.keys()]) this.cancel(id);
  }

  private send(id: string, r: Omit<RpcResponse, 'v'>): void {
    try {
      this.o.publish(topics.rpcResponse(this.o.nodeName, id), encode<RpcResponse>(r));
    } catch (e) {
      this.o.log.warn('rpc response not sent', { id, error: (e as Error).message });
    }
  }

  private async logs(id: string, params: Record<string, unknown>): Promise<void> {
    let ls: LogStream;
    try {
      const p = parseLogsParams(params);
      ls = await this.o.logs(p.namespace, p.name, p);
    } catch (e) {
      this.send(id, { seq: 0, done: true, code: codeOf(e), error: (e as Error).message });
      return;
    }
    this.active.set(id, ls);
    let seq = 0;
    this.send(id, { seq: seq++, done: false });
    const decoder = new StringDecoder('utf8');
    const emit = (text: string) => {
      for (let i = 0; i < text.length; i += RPC_CHUNK_CHARS)
        this.send(id, { seq: seq++, done: false, data: text.slice(i, i + RPC_CHUNK_CHARS) });
    };
    let finished = false;
    const finish = (error?: string) => {
      if (finished) return;
      finished = true;
      this.active.delete(id);
      const rest = decoder.end();
      if (rest) emit(rest);
      this.send(id, error ? { seq: seq++, done: true, code: 500, error } : { seq: seq++, done: true });
    };
    ls.stream.on('data', (c: Buffer | string) => emit(typeof c === 'string' ? c : decoder.write(c)));
    ls.stream.on('end', () => finish());
    ls.stream.on('close', () => finish());
    ls.stream.on('error', (e: Error) => finish(e.message));
  }
}
