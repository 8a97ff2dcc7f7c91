// A one-file ustar archive in memory (POSIX.1-1988): enough to give the runtime a rootfs made of
// a single static binary (the pod sandbox's pause image), with no tar tool on the board.

/** Tar blocks are 512 bytes; the archive ends with two zero blocks. */
const BLOCK = 512;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

/** An archive holding `name` (mode in octal, e.g. 0o755) with `data`. */
export function singleFileTar(name: string, data: Buffer, mode: number, mtimeSeconds = 0): Buffer {
  if (Buffer.byteLength(name) > 100) throw new RangeError(`tar entry name over 100 bytes: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 'utf8');
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(data.length, 12), 124, 'ascii');
  h.write(octal(mtimeSeconds, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return Buffer.concat([h, data, Buffer.alloc(pad), Buffer.alloc(2 * BLOCK)]);
}
