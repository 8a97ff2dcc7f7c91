// Agent payloads are JSON, deflated (RFC 1950 zlib format) when that makes them smaller and they
// are larger than DEFLATE_MIN_BYTES. Why: a hub's memory per board grows by 16 KiB for good once
// more than ~1 KiB of a board's bytes wait unread (Node's TLS input ring, agent/outbox.ts), and a
// node status report is 1.8 KiB of JSON and 0.6 KiB deflated. The reader tells the two apart by
// the first byte: JSON (RFC 8259) starts with whitespace, a BOM or `{`, never a zlib header
// (low nibble 8 = deflate, header a multiple of 31, RFC 1950 2.2).

import { deflateSync, inflateSync } from 'node:zlib';

/** Payloads up to this size go as JSON: deflate saves less than its header costs, bytes. */
export const DEFLATE_MIN_BYTES = 512;
/**
 * zlib's memory for a deflate is 2^(windowBits+2) + 2^(memLevel+9) bytes: 256 KiB at its
 * defaults (15, 8), 24 KiB here, on a board whose agent has 50 MB in all. Reports are a few KB,
 * so a 4 KiB window compresses them as well (a node status 637 bytes either way).
 */
const BOARD_DEFLATE = { windowBits: 12, memLevel: 4 } as const;

/** Deflated bytes that do not inflate, or inflate past the size allowed. */
export class InflateError extends Error {
  override name = 'InflateError';
}

/** True when the payload starts with a zlib header (RFC 1950: CM = 8, CINFO <= 7, FCHECK). */
export function isDeflated(b: Uint8Array): boolean {
  if (b.byteLength < 2) return false;
  const cmf = b[0]!;
  const flg = b[1]!;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

/** The payload deflated when that is smaller and it is over DEFLATE_MIN_BYTES, else as it is. */
export function deflatePayload(json: Buffer): Buffer {
  if (json.byteLength <= DEFLATE_MIN_BYTES) return json;
  const z = deflateSync(json, BOARD_DEFLATE);
  return z.byteLength < json.byteLength ? z : json;
}

/**
 * The JSON bytes of a deflated payload, refusing more than maxBytes of output (a few hundred bytes
 * of zlib can claim gigabytes: zlib stops at the bound instead of allocating them).
 */
export function inflatePayload(b: Uint8Array, maxBytes: number): Buffer {
  try {
    return inflateSync(b, { maxOutputLength: maxBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE')
      throw new InflateError(`deflated payload inflates past ${maxBytes} bytes`);
    throw new InflateError(`deflated payload does not inflate: ${err.message}`);
  }
}
