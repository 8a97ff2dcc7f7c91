// Writes towards a board over TLS in small records, one at a time. Node's TLS socket keeps the
// encrypted bytes waiting to go out in a ring of blocks (NodeBIO, enc_out): the first as large
// as the handshake's first flight (at least 1 KiB), and once more is waiting at once than it
// holds, a second of 16 KiB that the connection keeps for as long as it lives (the ring never
// gives back its last two blocks). Every board's desired set with its pod (1-4 KiB) did that
// (1,970 of 2,000 boards in bench/hub-heap.ts; docs/architecture.md, hub memory). Written in
// records of at most TLS_RECORD_BYTES, each only after the last left the ring (its write
// callback), the first block is enough; a burst of small packets is joined into records of that
// size (the guard's _writev). Each record more costs a socket write and a turn of the event
// loop (bench/tls-connection-memory.ts --reply-bytes 2000, tls-records), so a write of
// TLS_WHOLE_WRITE_BYTES or more (an agent bundle, 313 KiB, followed by the agent's restart)
// still goes out whole; its block, as large as the write, is kept until the connection closes.

/** Where the pieces go: a socket (its write), or a socket's own _write (guarded-tls-socket.ts). */
export interface RecordSink {
  write(piece: Buffer, cb: (err?: Error | null) => void): unknown;
}

/**
 * Plaintext bytes per TLS record: with the record's header, tag and (TLS 1.2) nonce or padding
 * it stays under the 1 KiB the ring's first block holds at least.
 */
export const TLS_RECORD_BYTES = 960;

/** A write at least this large goes out whole (see above), bytes. */
export const TLS_WHOLE_WRITE_BYTES = 64 * 1024;

/**
 * Writes data to socket in pieces of at most recordBytes, each after the last one's callback
 * (whole from TLS_WHOLE_WRITE_BYTES on); then cb.
 */
export function writeInRecords(
  socket: RecordSink,
  data: Buffer,
  recordBytes: number,
  cb: (err?: Error | null) => void,
): void {
  const pieceBytes = data.length >= TLS_WHOLE_WRITE_BYTES ? data.length : recordBytes;
  let offset = 0;
  const next = (err?: Error | null): void => {
    if (err) {
      cb(err);
      return;
    }
    if (offset >= data.length) {
      cb();
      return;
    }
    const piece = data.subarray(offset, offset + pieceBytes);
    offset += piece.length;
    socket.write(piece, next);
  };
  next();
}
