// The agent's side of hub -> agent request/response over MQTT: requests arrive on
// nodes/<node>/rpc/req/<id>, answers go out as ordered chunks on nodes/<node>/rpc/res/<id>.
// Methods: `logs` (a container log, followed or not), `exec` (a command in a running container,
// with `stdin` and `resize` requests on the same id: rpc-exec.ts), `portforward` (a connection to
// a pod's port, its bytes in as `stdin` requests: rpc-portforward.ts) and `cancel` (the hub's
// client went away).
// A request is acknowledged with an empty chunk (seq 0) once it is known to succeed, so the hub
// can still answer an HTTP error before it starts streaming.

import { StringDecoder } from 'node:string_decoder';
import type { Logger } from '../shared/log.js';
import { topics } from '../shared/mqtt/topics.js';
import {
  RPC_CHUNK_CHARS,
  RPC_METHOD_CANCEL,
  RPC_METHOD_EXEC,
  RPC_METHOD_LOGS,
  RPC_METHOD_PORTFORWARD,
  RPC_METHOD_RESIZE,
  RPC_METHOD_STDIN,
} from '../shared/protocol/constants.js';
import { encode, type RpcRequest, type RpcResponse } from '../shared/protocol/messages.js';
import {
  ContainerNameError,
  ContainerNotRunningError,
  NoContainerInstanceError,
  PodNotFoundError,
  PodNotReachableError,
} from './pods/errors.js';
import type { ExecOptions, LogsOptions } from './pods/manager.js';
import { ExecRelay, MAX_PENDING_STDIN } from './rpc-exec.js';
import { connectPodPort, PortForwardConnectError, PortForwardRelay } from './rpc-portforward.js';
import { ExecInputError } from './rpc-stdin.js';
import type { ExecSession, LogStream } from './runtime/runtime.js';

/** Bad parameters in a request. */
export class RpcParamsError extends Error {
  override name = 'RpcParamsError';
}

export interface RpcServerOptions {
  nodeName: string;
  logs(ns: string, name: string, opts: LogsOptions): Promise<LogStream>;
  exec(ns: string, name: string, opts: ExecOptions): Promise<ExecSession>;
  /** Where a pod's ports are reached from this board (its sandbox's address, or loopback). */
  podAddress(ns: string, name: string): Promise<string>;
  /** Publishes one response chunk (QoS 1: chunks of one id keep their order). */
  publish(topic: string, payload: Buffer): void;
  log: Logger;
}

export interface LogsParams extends LogsOptions {
  namespace: string;
  name: string;
}

export interface ExecParams extends ExecOptions {
  namespace: string;
  name: string;
}

function codeOf(e: unknown): number {
  if (e instanceof PodNotFoundError) return 404;
  if (e instanceof PortForwardConnectError) return 500;
  if (
    e instanceof ContainerNameError ||
    e instanceof NoContainerInstanceError ||
    e instanceof ContainerNotRunningError ||
    e instanceof PodNotReachableError ||
    e instanceof RpcParamsError
  )
    return 400;
  return 500;
}

/** Checks `exec` params: pod and container names, a non-empty command of strings, booleans. */
export function parseExecParams(p: Record<string, unknown>): ExecParams {
  const name = (k: string) => {
    const v = p[k];
    if (typeof v !== 'string' || v === '') throw new RpcParamsError(`exec: ${k} must be a non-empty string`);
    return v;
  };
  const cmd = p.command;
  if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((x) => typeof x === 'string'))
    throw new RpcParamsError('exec: command must be a non-empty list of strings');
  if (p.container !== undefined && (typeof p.container !== 'string' || p.container === ''))
    throw new RpcParamsError('exec: container must be a non-empty string');
  for (const k of ['stdin', 'tty'])
    if (p[k] !== undefined && typeof p[k] !== 'boolean')
      throw new RpcParamsError(`exec: ${k} must be a boolean`);
  return {
    namespace: name('namespace'),
    name: name('name'),
    ...(p.container ? { container: p.container as string } : {}),
    command: cmd as string[],
    stdin: p.stdin === true,
    tty: p.tty === true,
  };
}

export interface PortForwardParams {
  namespace: string;
  name: string;
  port: number;
}

/** Checks `portforward` params: pod names and a TCP port 1..65535. */
export function parsePortForwardParams(p: Record<string, unknown>): PortForwardParams {
  for (const k of ['namespace', 'name'])
    if (typeof p[k] !== 'string' || p[k] === '')
      throw new RpcParamsError(`portforward: ${k} must be a non-empty string`);
  const port = p.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new RpcParamsError('portforward: port must be an integer in 1..65535');
  return { namespace: p.namespace as string, name: p.name as string, port };
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
  /** Running execs by request id. */
  private readonly execs = new Map<string, ExecRelay>();
  /** Open port-forward connections by request id. */
  private readonly forwards = new Map<string, PortForwardRelay>();
  /** Port-forward calls still connecting (a cancel meanwhile drops the connection once made). */
  private readonly connecting = new Set<string>();
  /**
   * Execs still starting, by id: the `stdin` and `resize` requests that came meanwhile, handed
   * to the exec in order once it runs. The hub relays kubectl's stdin as soon as it comes (as the
   * kubelet buffers it), so `echo x | kubectl exec -i` sends its bytes before Docker's exec is up.
   */
  private readonly starting = new Map<string, RpcRequest[]>();

  constructor(private readonly o: RpcServerOptions) {}

  /** Number of requests still streaming (tests). */
  get openStreams(): number {
    return this.active.size + this.execs.size + this.forwards.size;
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
    if (req.method === RPC_METHOD_EXEC) {
      void this.exec(id, req.params);
      return;
    }
    if (req.method === RPC_METHOD_PORTFORWARD) {
      void this.portForward(id, req.params);
      return;
    }
    const forward = req.method === RPC_METHOD_STDIN ? this.forwards.get(id) : undefined;
    if (forward) {
      try {
        forward.push(req.params);
      } catch (e) {
        if (!(e instanceof ExecInputError)) throw e;
        this.o.log.warn('bad port-forward input from hub', { id, error: e.message });
      }
      return;
    }
    if (req.method === RPC_METHOD_STDIN || req.method === RPC_METHOD_RESIZE) {
      const relay = this.execs.get(id);
      if (relay) this.execInput(id, relay, req);
      else {
        // Held while the exec starts (bounded: past it the exec finds a gap in stdin and fails);
        // none when it ended meanwhile.
        const early = this.starting.get(id);
        if (early && early.length < MAX_PENDING_STDIN) early.push(req);
      }
      return;
    }
    const known = [
      RPC_METHOD_LOGS,
      RPC_METHOD_EXEC,
      RPC_METHOD_PORTFORWARD,
      RPC_METHOD_STDIN,
      RPC_METHOD_RESIZE,
      RPC_METHOD_CANCEL,
    ];
    this.send(id, {
      seq: 0,
      done: true,
      code: 400,
      error: `unknown method ${JSON.stringify(req.method)}; known: ${known.join(', ')}`,
    });
  }

  cancel(id: string): void {
    this.connecting.delete(id);
    this.starting.delete(id);
    const forward = this.forwards.get(id);
    if (forward) {
      this.forwards.delete(id);
      forward.stop();
    }
    const relay = this.execs.get(id);
    if (relay) {
      this.execs.delete(id);
      relay.stop();
    }
    const ls = this.active.get(id);
    if (!ls) return;
    this.active.delete(id);
    ls.stop();
  }

  /** Stops every stream: answers published while disconnected would be dropped anyway. */
  stopAll(): void {
    for (const id of [...this.active.keys(), ...this.execs.keys(), ...this.forwards.keys()]) this.cancel(id);
  }

  private send(id: string, r: Omit<RpcResponse, 'v'>): void {
    try {
      this.o.publish(topics.rpcResponse(this.o.nodeName, id), encode<RpcResponse>(r));
    } catch (e) {
      this.o.log.warn('rpc response not sent', { id, error: (e as Error).message });
    }
  }

  private async exec(id: string, params: Record<string, unknown>): Promise<void> {
    let session: ExecSession;
    const early: RpcRequest[] = [];
    this.starting.set(id, early);
    try {
      const p = parseExecParams(params);
      session = await this.o.exec(p.namespace, p.name, p);
    } catch (e) {
      this.starting.delete(id);
      this.send(id, { seq: 0, done: true, code: codeOf(e), error: (e as Error).message });
      return;
    }
    if (!this.starting.delete(id)) {
      session.close(); // cancelled while starting
      return;
    }
    const relay = new ExecRelay(
      session,
      (r) => this.send(id, r),
      () => this.execs.delete(id),
    );
    this.execs.set(id, relay);
    relay.start();
    for (const req of early) if (this.execs.get(id) === relay) this.execInput(id, relay, req);
  }

  private execInput(id: string, relay: ExecRelay, req: RpcRequest): void {
    try {
      if (req.method === RPC_METHOD_STDIN) relay.input(req.params);
      else relay.resize(req.params);
    } catch (e) {
      if (!(e instanceof ExecInputError)) throw e;
      this.o.log.warn('bad exec input from hub', { id, error: e.message });
    }
  }

  private async portForward(id: string, params: Record<string, unknown>): Promise<void> {
    let relay: PortForwardRelay;
    this.connecting.add(id);
    try {
      const p = parsePortForwardParams(params);
      const host = await this.o.podAddress(p.namespace, p.name);
      const socket = await connectPodPort(host, p.port, `${p.namespace}/${p.name}`);
      if (!this.connecting.delete(id)) {
        socket.destroy(); // cancelled while connecting
        return;
      }
      relay = new PortForwardRelay(
        socket,
        (r) => this.send(id, r),
        () => this.forwards.delete(id),
      );
    } catch (e) {
      this.connecting.delete(id);
      this.send(id, { seq: 0, done: true, code: codeOf(e), error: (e as Error).message });
      return;
    }
    this.forwards.set(id, relay);
    relay.start();
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
