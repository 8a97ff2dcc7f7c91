// An in-process connection to the broker: two Duplex ends, each one's writes the other's
// reads. The hub's gateway talks to the embedded broker over it, so its traffic (every
// agent message) pays no TCP or TLS cost. Destroying either end ends both, as a socket would.
// mqtt-packet writes a packet in pieces (header, length, topic, id, payload) between a cork and
// an uncork: writev hands the other end the whole packet as one chunk, so the hub's MQTT
// client parses each message once instead of appending five pieces to its buffer first.

import { Duplex } from 'node:stream';

export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        peer().push(chunk);
        cb();
      },
      writev(chunks: { chunk: Buffer }[], cb) {
        peer().push(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk)));
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
      destroy(err, cb) {
        const p = peer();
        if (!p.destroyed) p.destroy();
        cb(err);
      },
    });
  ends.push(
    make(() => ends[1]!),
    make(() => ends[0]!),
  );
  return [ends[0]!, ends[1]!];
}
