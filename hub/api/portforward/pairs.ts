// kubectl opens two streams per forwarded connection, an error stream then a data stream, with
// the same `requestid` and the remote `port` (kubelet's httpstream port-forward handler). Each
// stream is accepted as it comes; a complete pair starts a PortForward. A pair still incomplete
// after PAIR_TIMEOUT_MS is failed (kubelet's stream creation timeout, 30 s).

import {
  PORTFORWARD_HEADER_PORT,
  PORTFORWARD_HEADER_REQUEST_ID,
  PORTFORWARD_HEADER_STREAM_TYPE,
  PORTFORWARD_STREAM_DATA,
  PORTFORWARD_STREAM_ERROR,
} from '../../../shared/protocol/constants.js';
import { type ForwardTarget, PortForward } from './forward.js';
import { RST_PROTOCOL_ERROR } from './spdy-frames.js';
import type { SpdyServerSession, SpdyStream } from './spdy-session.js';

/** How long the second stream of a pair may take, ms (kubelet: 30 s). */
export const PAIR_TIMEOUT_MS = 30_000;
/** Connections open at once per kubectl session (pairs waiting or forwarding). */
export const MAX_OPEN_PAIRS = 256;

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer?: NodeJS.Timeout;
}

function header(s: SpdyStream, name: string): string | undefined {
  return s.headers.get(name)?.[0];
}

/** A port header's value as a TCP port, or undefined. Pure. */
export function parsePort(v: string | undefined): number | undefined {
  if (v === undefined || !/^[0-9]{1,5}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= 65535 ? n : undefined;
}

export class StreamPairs {
  private readonly pending = new Map<string, Pair>();
  private readonly forwards = new Set<PortForward>();

  constructor(
    private readonly session: SpdyServerSession,
    private readonly target: ForwardTarget,
  ) {}

  onStream(s: SpdyStream): void {
    const type = header(s, PORTFORWARD_HEADER_STREAM_TYPE);
    const id = header(s, PORTFORWARD_HEADER_REQUEST_ID);
    if ((type !== PORTFORWARD_STREAM_ERROR && type !== PORTFORWARD_STREAM_DATA) || id === undefined) {
      this.session.reset(s.id, RST_PROTOCOL_ERROR);
      return;
    }
    let p = this.pending.get(id);
    if (!p) {
      if (this.pending.size + this.forwards.size >= MAX_OPEN_PAIRS) {
        this.session.reset(s.id, RST_PROTOCOL_ERROR);
        return;
      }
      p = {};
      this.pending.set(id, p);
    }
    if (p[type]) {
      this.session.reset(s.id, RST_PROTOCOL_ERROR); // a second stream of the same kind
      return;
    }
    this.session.accept(s.id);
    p[type] = s;
    const pair = p;
    if (!pair.error || !pair.data) {
      pair.timer ??= setTimeout(() => {
        this.pending.delete(id);
        this.fail(pair, `timed out waiting for the ${pair.error ? 'data' : 'error'} stream of request ${id}`);
      }, PAIR_TIMEOUT_MS);
      return;
    }
    clearTimeout(pair.timer);
    this.pending.delete(id);
    const raw = header(pair.data, PORTFORWARD_HEADER_PORT);
    const port = parsePort(raw);
    if (port === undefined) {
      this.fail(pair, `invalid port ${JSON.stringify(raw ?? '')}: a port is a number in 1-65535`);
      return;
    }
    const f = new PortForward(this.session, this.target, port, pair.error, pair.data);
    this.forwards.add(f);
    f.onDone = () => this.forwards.delete(f);
    f.start();
  }

  /** The session ended: every connection stops. */
  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    for (const f of [...this.forwards]) f.stop();
  }

  private fail(p: Pair, message: string): void {
    if (p.error) {
      this.session.data(p.error.id, Buffer.from(message));
      this.session.end(p.error.id);
    }
    if (p.data) this.session.end(p.data.id);
  }
}
