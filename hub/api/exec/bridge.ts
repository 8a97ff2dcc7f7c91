// Joins kubectl's WebSocket (Kubernetes' channel protocol) to the agent's `exec` RPC: output
// chunks become channel 1/2 messages, stdin and resize messages become `stdin`/`resize`
// requests on the call's id, and the end becomes a metav1.Status on channel 3 followed by a
// normal closure (kubectl reads its streams to their end, then the status for the exit code).
// Output that arrives before the handshake completed is held until then.

import type { WebSocket } from 'ws';
import {
  EXEC_CHANNEL_ERROR,
  EXEC_CHANNEL_RESIZE,
  EXEC_CHANNEL_STDIN,
  EXEC_CLOSE_SIGNAL,
  RPC_CHUNK_CHARS,
  RPC_METHOD_RESIZE,
  RPC_METHOD_STDIN,
} from '../../../shared/protocol/constants.js';
import type { RpcResponse } from '../../../shared/protocol/messages.js';
import type { RpcCall } from '../../gateway/rpc.js';

/** Raw stdin bytes per request: base64 of this many fits in one RPC chunk. */
const STDIN_CHUNK_BYTES = (RPC_CHUNK_CHARS / 4) * 3;
/** WebSocket close code for a normal closure (RFC 6455 7.4.1). */
const WS_NORMAL_CLOSURE = 1000;

/** The Status kubectl reads on channel 3: Success, NonZeroExitCode with the code, or the failure. */
export function execStatus(command: string[], err?: Error, last?: RpcResponse): Record<string, unknown> {
  const base = { metadata: {} };
  if (err || last?.exitCode === undefined)
    return {
      ...base,
      status: 'Failure',
      message: err?.message ?? 'the exec ended without an exit code',
      reason: 'InternalError',
      code: 500,
    };
  if (last.exitCode === 0) return { ...base, status: 'Success' };
  return {
    ...base,
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command ${JSON.stringify(command)}, exit code ${last.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(last.exitCode) }] },
  };
}

/** `{"Width":80,"Height":24}` -> width/height, or undefined when it is not a terminal size. */
export function parseResize(b: Buffer): { width: number; height: number } | undefined {
  try {
    const v = JSON.parse(b.toString('utf8')) as { Width?: unknown; Height?: unknown };
    const ok = (x: unknown): x is number =>
      Number.isInteger(x) && (x as number) > 0 && (x as number) <= 65535;
    return ok(v.Width) && ok(v.Height) ? { width: v.Width, height: v.Height } : undefined;
  } catch {
    return undefined;
  }
}

export class ExecBridge {
  private ws?: WebSocket;
  private readonly held: Buffer[] = [];
  private call?: RpcCall;
  private stdinSeq = 0;
  private ended = false;
  private closing?: Buffer;

  constructor(private readonly command: string[]) {}

  /** The RPC call this bridge feeds (set right after it is started). */
  bind(call: RpcCall): void {
    this.call = call;
  }

  /** An output chunk from the agent, for channel `stream`. */
  output(stream: number, data: Buffer): void {
    this.deliver(Buffer.concat([Buffer.from([stream]), data]));
  }

  /** The exec ended (its last chunk) or failed. */
  end(err?: Error, last?: RpcResponse): void {
    this.close(execStatus(this.command, err, last));
  }

  /** Ends with this Status (the agent refused to start the command). */
  close(status: object): void {
    if (this.ended) return;
    this.ended = true;
    this.closing = Buffer.concat([Buffer.from([EXEC_CHANNEL_ERROR]), Buffer.from(JSON.stringify(status))]);
    if (this.ws) this.finish(this.ws);
  }

  /** The handshake completed: flush what was held and relay kubectl's messages. */
  attach(ws: WebSocket): void {
    this.ws = ws;
    for (const m of this.held.splice(0)) ws.send(m);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.input(Buffer.isBuffer(data) ? data : Buffer.from(data));
    });
    ws.on('close', () => {
      if (!this.ended) {
        this.ended = true;
        this.call?.cancel();
      }
    });
    ws.on('error', () => ws.terminate());
    if (this.closing) this.finish(ws);
  }

  private deliver(m: Buffer): void {
    if (this.ended) return;
    if (this.ws) this.ws.send(m);
    else this.held.push(m);
  }

  private finish(ws: WebSocket): void {
    if (this.closing) ws.send(this.closing);
    ws.close(WS_NORMAL_CLOSURE);
  }

  private input(m: Buffer): void {
    if (m.length === 0 || !this.call || this.ended) return;
    const channel = m[0];
    const body = m.subarray(1);
    if (channel === EXEC_CHANNEL_STDIN) {
      for (let i = 0; i < body.length; i += STDIN_CHUNK_BYTES)
        this.call.send(RPC_METHOD_STDIN, {
          seq: this.stdinSeq++,
          data: body.subarray(i, i + STDIN_CHUNK_BYTES).toString('base64'),
        });
      return;
    }
    if (channel === EXEC_CHANNEL_RESIZE) {
      const size = parseResize(body);
      if (size) this.call.send(RPC_METHOD_RESIZE, size);
      return;
    }
    if (channel === EXEC_CLOSE_SIGNAL && body[0] === EXEC_CHANNEL_STDIN)
      this.call.send(RPC_METHOD_STDIN, { seq: this.stdinSeq++, eof: true });
  }
}
