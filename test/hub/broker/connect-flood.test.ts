// 20 anonymous sockets each streaming an unfinished 40 MiB CONNECT at a real hub process: the
// broker closes each at its fixed header, so the hub's memory barely moves (it grew by
// ~590 MB before the packet limit) and the hub keeps serving.
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type HubProcess, killAll, startHubProcess } from '../../helpers/procs.js';

const SOCKETS = 20;
const DECLARED = 40 * 1024 * 1024;
const MB = 1024 * 1024;
let hub: HubProcess;

test.before(async () => {
  hub = await startHubProcess();
});

test.after(async () => {
  await hub.stop();
  await killAll();
});

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]) * 1024;
}

/** Streams a CONNECT declaring DECLARED bytes until the broker closes the socket. */
function flood(port: number): Promise<number> {
  return new Promise((resolve) => {
    const header = Buffer.from([0x10, 0x80, 0x80, 0x80, 0x14]); // remaining length 40 MiB
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(header);
      const pump = () => {
        while (!s.destroyed && s.bytesWritten < DECLARED && s.write(chunk));
      };
      s.on('drain', pump);
      pump();
    });
    s.on('error', () => {});
    s.on('close', () => resolve(s.bytesWritten));
  });
}

test(`${SOCKETS} sockets of unfinished 40 MiB CONNECTs: hub RSS grows < 50 MB and the API still answers`, async () => {
  const baseline = rssBytes(hub.pid);
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssBytes(hub.pid));
  }, 20);
  const written = await Promise.all(Array.from({ length: SOCKETS }, () => flood(hub.mqttPort)));
  clearInterval(sampler);
  peak = Math.max(peak, rssBytes(hub.pid));
  for (const w of written) assert.ok(w < DECLARED, `a socket was closed only after ${w} bytes`);
  assert.ok(peak - baseline < 50 * MB, `RSS ${baseline / MB} -> ${peak / MB} MB`);
  const res = await fetch(`${hub.apiUrl}/healthz`);
  assert.ok(res.status < 500);
  assert.ok(rssBytes(hub.pid) - baseline < 50 * MB, 'back near the baseline after the sockets closed');
});

test.run();
