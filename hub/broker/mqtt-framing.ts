// Follows MQTT packet boundaries (fixed header and remaining length) through the bytes a client
// sends, so a packet that declares more than the client may send is refused before anything of
// it is buffered: mqtt-packet's parser would otherwise hold the whole packet in memory, and
// aedes has no maximum packet size. Used by the packet guard (packet-guard.ts) and the
// guarded TLS socket (guarded-tls-socket.ts).

/** The client declared a packet larger than it may send. */
export class PacketTooLargeError extends Error {
  override name = 'PacketTooLargeError';
  constructor(
    readonly declared: number,
    readonly limit: number,
  ) {
    super(`MQTT packet of ${declared} bytes exceeds the limit of ${limit} bytes`);
  }
}

/** A remaining-length varint has at most 4 bytes (MQTT 3.1.1 section 2.2.3). */
const MAX_LENGTH_BYTES = 4;

export class MqttFraming {
  private state: 'header' | 'length' | 'body' = 'header';
  private length = 0;
  private lengthBytes = 0;
  private remaining = 0;

  /** limit: the largest packet the client may send, bytes. */
  constructor(public limit: number) {}

  /** Follows packet boundaries through the chunk; an error when a packet is too large. */
  inspect(chunk: Uint8Array): Error | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const n = Math.min(this.remaining, chunk.length - i);
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) this.state = 'header';
      } else if (this.state === 'header') {
        i++; // packet type and flags
        this.state = 'length';
        this.length = 0;
        this.lengthBytes = 0;
      } else {
        const b = chunk[i++]!;
        this.length += (b & 0x7f) * 128 ** this.lengthBytes;
        this.lengthBytes++;
        if (b & 0x80) {
          if (this.lengthBytes >= MAX_LENGTH_BYTES) return new Error('malformed MQTT remaining length');
          continue;
        }
        const total = 1 + this.lengthBytes + this.length;
        if (total > this.limit) return new PacketTooLargeError(total, this.limit);
        this.remaining = this.length;
        this.state = this.remaining > 0 ? 'body' : 'header';
      }
    }
    return undefined;
  }
}
