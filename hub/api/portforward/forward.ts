// One forwarded connection: a (error, data) stream pair from kubectl joined to the agent's
// `portforward` RPC. kubectl may write its request before the agent has connected to the pod:
// those bytes are held (bounded) and sent in order once the call is acknowledged. A failure is
// written on the error stream in the kubelet's words ("error forwarding port P to pod ..."),
// which kubectl prints as "an error occurred forwarding L -> P: ..."; then both streams end,
// as the kubelet closes them when its forward returns.

import {
  RPC_CHUNK_CHARS,
  RPC_METHOD_PORTFORWARD,
  RPC_METHOD_STDIN,
} from '../../../shared/protocol/constants.js';
import type { RpcCall, RpcClient } from '../../gateway/rpc.js';
import { RST_CANCEL } from './spdy-frames.js';
import type { SpdyServerSession, SpdyStream } from './spdy-session.js';

/** Raw bytes per `stdin` request: base64 of this many fits in one RPC chunk. */
const STDIN_CHUNK_BYTES = (RPC_CHUNK_CHARS / 4) * 3;
/** Wait for the agent's answer, ms: longer than its own connect timeout (10 s), so its reason arrives. */
const ANSWER_TIMEOUT_MS = 15_000;
/** Bytes from kubectl held until the agent has connected, per connection. */
export const MAX_HELD_BYTES = 1024 * 1024;

export interface ForwardTarget {
  rpc: RpcClient;
  node: string;
  namespace: string;
  pod: string;
  uid: string;
}

export class PortForward {
  private call?: RpcCall;
  private ready = false;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private heldEof = false;
  private seq = 0;
  private over = false;
  /** Called once when the connection is over (either way). */
  onDone?: () => void;

  constructor(
    private readonly session: SpdyServerSession,
    private readonly t: ForwardTarget,
    private readonly port: number,
    private readonly errorStream: SpdyStream,
    private readonly dataStream: SpdyStream,
  ) {}

  start(): void {
    const { dataStream, errorStream } = this;
    dataStream.onData = (b) => this.fromClient(b);
    dataStream.onEnd = () => this.fromClientEnd();
    dataStream.onReset = () => this.stop();
    errorStream.onReset = () => this.stop();
    this.call = this.t.rpc.call(
      this.t.node,
      RPC_METHOD_PORTFORWARD,
      { namespace: this.t.namespace, name: this.t.pod, port: this.port },
      {
        timeoutMs: ANSWER_TIMEOUT_MS,
        onData: (d) => this.session.data(dataStream.id, Buffer.from(d, 'base64')),
        onEnd: (err) => this.finish(err),
      },
    );
    this.call.ready.then(
      () => {
        this.ready = true;
        for (const b of this.held.splice(0)) this.send(b);
        this.heldBytes = 0;
        if (this.heldEof) this.sendEof();
      },
      (e: Error) => this.finish(e),
    );
  }

  /** The session ended or a stream was reset: tell the agent to close the pod's connection. */
  stop(): void {
    if (this.over) return;
    this.over = true;
    this.call?.cancel();
    this.session.reset(this.dataStream.id, RST_CANCEL);
    this.session.reset(this.errorStream.id, RST_CANCEL);
    this.onDone?.();
  }

  private fromClient(b: Buffer): void {
    if (this.over) return;
    if (this.ready) {
      this.send(b);
      return;
    }
    this.heldBytes += b.length;
    if (this.heldBytes > MAX_HELD_BYTES) {
      this.finish(new Error(`more than ${MAX_HELD_BYTES} bytes sent before the pod's port answered`));
      return;
    }
    this.held.push(b);
  }

  private fromClientEnd(): void {
    if (this.over) return;
    if (this.ready) this.sendEof();
    else this.heldEof = true;
  }

  private send(b: Buffer): void {
    for (let i = 0; i < b.length; i += STDIN_CHUNK_BYTES)
      this.call?.send(RPC_METHOD_STDIN, {
        seq: this.seq++,
        data: b.subarray(i, i + STDIN_CHUNK_BYTES).toString('base64'),
      });
  }

  private sendEof(): void {
    this.call?.send(RPC_METHOD_STDIN, { seq: this.seq++, eof: true });
  }

  private finish(err?: Error): void {
    if (this.over) return;
    this.over = true;
    if (err) {
      this.call?.cancel();
      this.session.data(
        this.errorStream.id,
        Buffer.from(
          `error forwarding port ${this.port} to pod ${this.t.namespace}/${this.t.pod}, uid ${this.t.uid}: ${err.message}`,
        ),
      );
    }
    this.session.end(this.dataStream.id);
    this.session.end(this.errorStream.id);
    this.onDone?.();
  }
}
