// Reads the kernel's small pseudo-files (/proc, /sys: meminfo, loadavg, boot_id, cgroup
// counters) that the agent polls every few seconds. They report size 0, so `fs.readFile` reads
// them through a fresh 64 KiB buffer each time (Node's unknown-length read size): ~10 such reads
// per heartbeat left ~0.8 MB of dead ArrayBuffers waiting for a GC and fragmented malloc's heap
// (bench/agent-footprint.ts, Node 18 and 20). Here one scratch buffer is reused; the read is
// synchronous because these files are generated in memory by the kernel (no disk wait), which
// also keeps the shared buffer free of interleaved reads.

import { closeSync, openSync, readSync } from 'node:fs';

/** Holds every file the agent reads this way (meminfo ~1.5 KiB, memory.stat ~1 KiB); grows if one does not fit. */
let scratch = Buffer.allocUnsafeSlow(8 * 1024);

/** The whole text of a kernel pseudo-file; throws as readFileSync does (ENOENT, EACCES). */
export function readKernelFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let len = 0;
    for (;;) {
      if (len === scratch.length) {
        const bigger = Buffer.allocUnsafeSlow(scratch.length * 2);
        scratch.copy(bigger, 0, 0, len);
        scratch = bigger;
      }
      const n = readSync(fd, scratch, len, scratch.length - len, null);
      if (n === 0) break;
      len += n;
    }
    return scratch.toString('utf8', 0, len);
  } finally {
    closeSync(fd);
  }
}

/** readKernelFile, or undefined when the file cannot be read (not Linux, no such cgroup). */
export function tryReadKernelFile(path: string): string | undefined {
  try {
    return readKernelFile(path);
  } catch {
    return undefined;
  }
}
