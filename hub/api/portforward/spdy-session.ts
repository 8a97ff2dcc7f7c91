// The server half of a SPDY/3 session as kubectl's spdystream client uses it: the client opens
// every stream (odd ids, rising), the server accepts one with SYN_REPLY, data flows both ways,
// FIN ends a half, RST_STREAM ends both, PINGs (kubectl sends one every 10 s) are echoed, GOAWAY
// or the transport's end closes everything. Flow control is not kept: spdystream (kubelet's
// and kubectl's library) neither sends nor honours WINDOW_UPDATE, so SETTINGS and
// WINDOW_UPDATE are read and ignored, as it does. Frames are handled strictly in order (header
// blocks share one zlib context); frames are written in order through one queue.

import type { Duplex } from 'node:stream';
import {
  dataFrame,
  FLAG_FIN,
  FRAME_GOAWAY,
  FRAME_PING,
  FRAME_RST_STREAM,
  FRAME_SYN_STREAM,
  firstWord,
  goAwayFrame,
  parseSynStream,
  pingFrame,
  RST_PROTOCOL_ERROR,
  rstStreamFrame,
  SPDY_VERSION,
  type SpdyFrame,
  SpdyFrameReader,
  SpdyProtocolError,
  synReplyFrame,
} from './spdy-frames.js';
import { SpdyHeaderCodec, type SpdyHeaders } from './spdy-headers.js';

/** Largest frame a client may send, bytes (spdystream writes data in at most 32 KiB pieces). */
const MAX_FRAME_BYTES = 1024 * 1024;
/** Largest data frame this server writes, bytes. */
export const MAX_DATA_FRAME_BYTES = 32 * 1024;
/** GOAWAY status: OK. */
const GOAWAY_OK = 0;

/** One client-opened stream, as the session's user sees it. */
export interface SpdyStream {
  id: number;
  headers: SpdyHeaders;
  /** The client's data. */
  onData?: (b: Buffer) => void;
  /** The client finished its half (FIN). */
  onEnd?: () => void;
  /** The stream was reset, or the session ended, before both halves finished. */
  onReset?: () => void;
}

interface StreamState {
  s: SpdyStream;
  remoteDone: boolean;
  localDone: boolean;
}

export class SpdyServerSession {
  private readonly reader = new SpdyFrameReader(MAX_FRAME_BYTES);
  private readonly codec = new SpdyHeaderCodec();
  private readonly streams = new Map<number, StreamState>();
  private lastStreamId = 0;
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private closed = false;

  /**
   * @param onStream a new stream; call accept() or reset() for it.
   * @param onClose the session ended (after every open stream's onReset).
   */
  constructor(
    private readonly transport: Duplex,
    private readonly onStream: (s: SpdyStream) => void,
    private readonly onClose: (why?: Error) => void,
  ) {
    transport.on('data', (chunk: Buffer) => {
      let frames: SpdyFrame[];
      try {
        frames = this.reader.push(chunk);
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      for (const f of frames)
        this.inbound = this.inbound.then(() => this.handle(f)).catch((e) => this.fail(e));
    });
    transport.once('close', () => this.close());
    transport.once('end', () => this.close());
    transport.on('error', (e: Error) => this.close(e));
  }

  /** Accepts a stream: SYN_REPLY with no headers (kubelet's reply). */
  accept(id: number): void {
    this.write(async () => synReplyFrame(id, await this.codec.encode(new Map())));
  }

  /** Sends data on a stream, in frames of at most MAX_DATA_FRAME_BYTES. */
  data(id: number, b: Buffer): void {
    const st = this.streams.get(id);
    if (!st || st.localDone) return;
    for (let i = 0; i < b.length; i += MAX_DATA_FRAME_BYTES) {
      const piece = b.subarray(i, i + MAX_DATA_FRAME_BYTES);
      this.write(() => dataFrame(id, piece, false));
    }
  }

  /** Ends this side of a stream (an empty data frame with FIN). */
  end(id: number): void {
    const st = this.streams.get(id);
    if (!st || st.localDone) return;
    st.localDone = true;
    this.write(() => dataFrame(id, Buffer.alloc(0), true));
    this.forgetIfDone(st);
  }

  /** Ends both sides of a stream at once. */
  reset(id: number, status: number): void {
    if (!this.streams.delete(id)) return;
    this.write(() => rstStreamFrame(id, status));
  }

  /** GOAWAY, then the transport ends once queued frames are written. */
  shutdown(): void {
    if (this.closed) return;
    this.write(() => goAwayFrame(this.lastStreamId, GOAWAY_OK));
    this.outbound = this.outbound.then(() => {
      this.transport.end();
    });
  }

  private async handle(f: SpdyFrame): Promise<void> {
    if (this.closed) return;
    if (f.kind === 'data') {
      const st = this.streams.get(f.streamId);
      if (!st) return; // reset meanwhile, as spdystream drops it
      if (f.data.length) st.s.onData?.(f.data);
      if (f.flags & FLAG_FIN && !st.remoteDone) {
        st.remoteDone = true;
        st.s.onEnd?.();
        this.forgetIfDone(st);
      }
      return;
    }
    if (f.version !== SPDY_VERSION)
      throw new SpdyProtocolError(`SPDY version ${f.version}, not ${SPDY_VERSION}`);
    if (f.type === FRAME_SYN_STREAM) {
      const { streamId, headerBlock } = parseSynStream(f.body);
      // The block is decoded before any check so the shared zlib context stays in step.
      const headers = await this.codec.decode(headerBlock);
      if (streamId % 2 === 0 || streamId <= this.lastStreamId) {
        this.write(() => rstStreamFrame(streamId, RST_PROTOCOL_ERROR));
        return;
      }
      this.lastStreamId = streamId;
      const s: SpdyStream = { id: streamId, headers };
      const st: StreamState = { s, remoteDone: (f.flags & FLAG_FIN) !== 0, localDone: false };
      this.streams.set(streamId, st);
      this.onStream(s);
      if (st.remoteDone) s.onEnd?.();
      return;
    }
    if (f.type === FRAME_RST_STREAM) {
      const st = this.streams.get(firstWord(f.body));
      if (!st) return;
      this.streams.delete(st.s.id);
      st.s.onReset?.();
      return;
    }
    if (f.type === FRAME_PING) {
      if (f.body.length < 4) throw new SpdyProtocolError('PING shorter than its id');
      const id = f.body.readUInt32BE(0);
      if (id % 2 === 1) this.write(() => pingFrame(id)); // the client's (odd): echo it
      return;
    }
    if (f.type === FRAME_GOAWAY) {
      this.shutdown();
      return;
    }
    // SETTINGS, WINDOW_UPDATE, HEADERS, SYN_REPLY: nothing a port-forward server acts on.
  }

  private forgetIfDone(st: StreamState): void {
    if (st.localDone && st.remoteDone) this.streams.delete(st.s.id);
  }

  private write(frame: () => Buffer | Promise<Buffer>): void {
    if (this.closed) return;
    this.outbound = this.outbound
      .then(async () => {
        const b = await frame();
        if (!this.closed && this.transport.writable) this.transport.write(b);
      })
      .catch((e: Error) => this.fail(e));
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.transport.destroy();
    this.close(e);
  }

  private close(why?: Error): void {
    if (this.closed) return;
    this.closed = true;
    const open = [...this.streams.values()];
    this.streams.clear();
    for (const st of open) st.s.onReset?.();
    this.codec.close();
    this.onClose(why);
  }
}
