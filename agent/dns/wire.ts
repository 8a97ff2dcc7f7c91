// The DNS wire format (RFC 1035 section 4) as far as a node-local responder needs it: parse a
// query's header and its one question, and build answers (A records, or none with an rcode).
// Names in queries are plain labels; a compression pointer or a second question is a FORMERR.

/** RFC 1035 4.1.1 RCODEs. */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const TYPE_A = 1;
export const CLASS_IN = 1;
const HEADER_BYTES = 12;
/** Longest name on the wire (RFC 1035 2.3.4), bytes. */
const MAX_NAME_BYTES = 255;

export class DnsFormatError extends Error {
  override name = 'DnsFormatError';
}

export interface Query {
  id: number;
  /** Opcode (0 = standard query). */
  opcode: number;
  recursionDesired: boolean;
  /** Lower-case, without the trailing dot. */
  name: string;
  type: number;
  class: number;
  /** The question's bytes as sent (echoed in the answer). */
  question: Buffer;
}

export function parseQuery(msg: Buffer): Query {
  if (msg.length < HEADER_BYTES) throw new DnsFormatError('shorter than a DNS header');
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) throw new DnsFormatError('a response, not a query');
  if (msg.readUInt16BE(4) !== 1) throw new DnsFormatError('exactly one question is served');
  const labels: string[] = [];
  let pos = HEADER_BYTES;
  for (;;) {
    if (pos >= msg.length) throw new DnsFormatError('name runs past the message');
    const len = msg[pos++];
    if (len === 0) break;
    if (len & 0xc0) throw new DnsFormatError('compressed or extended label in a question');
    if (pos + len > msg.length) throw new DnsFormatError('label runs past the message');
    labels.push(msg.toString('latin1', pos, pos + len).toLowerCase());
    pos += len;
    if (pos - HEADER_BYTES > MAX_NAME_BYTES) throw new DnsFormatError('name longer than 255 bytes');
  }
  if (pos + 4 > msg.length) throw new DnsFormatError('question without type and class');
  return {
    id: msg.readUInt16BE(0),
    opcode: (flags >> 11) & 0xf,
    recursionDesired: !!(flags & 0x0100),
    name: labels.join('.'),
    type: msg.readUInt16BE(pos),
    class: msg.readUInt16BE(pos + 2),
    question: msg.subarray(HEADER_BYTES, pos + 4),
  };
}

/**
 * An answer to q: A records for addresses (rcode NOERROR), or rcode with none. authoritative
 * for names of the cluster domain; recursion is offered (names outside it are forwarded).
 */
export function buildAnswer(
  q: Pick<Query, 'id' | 'opcode' | 'recursionDesired' | 'question'>,
  o: { rcode: number; addresses?: string[]; ttlSeconds?: number; authoritative?: boolean },
): Buffer {
  const addrs = o.rcode === RCODE.NOERROR ? (o.addresses ?? []) : [];
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(q.id, 0);
  const flags =
    0x8000 |
    (q.opcode << 11) |
    (o.authoritative ? 0x0400 : 0) |
    (q.recursionDesired ? 0x0100 : 0) |
    0x0080 |
    o.rcode;
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(q.question.length ? 1 : 0, 4);
  header.writeUInt16BE(addrs.length, 6);
  const answers = addrs.map((a) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc000 | HEADER_BYTES, 0); // the question's name
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(o.ttlSeconds ?? 0, 6);
    rr.writeUInt16BE(4, 10);
    a.split('.').forEach((x, i) => {
      rr[12 + i] = Number(x);
    });
    return rr;
  });
  return Buffer.concat([header, q.question, ...answers]);
}
