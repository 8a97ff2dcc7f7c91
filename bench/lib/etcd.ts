// etcd 3.4 (Debian's etcd-server) for the store benchmark: installed when missing, started on
// loopback with a temp data dir and free ports, spoken to through its v3 HTTP/JSON gateway
// (3.4 serves both /v3/ and /v3beta/; we use /v3/) with keep-alive connections.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonPoster } from './http-json.js';
import { freePort } from './ports.js';

/** How long etcd may take to answer /health after start, ms. */
const START_TIMEOUT_MS = 15_000;

export class EtcdUnavailableError extends Error {
  override name = 'EtcdUnavailableError';
}

function findEtcd(): string | undefined {
  for (const p of ['/usr/bin/etcd', '/usr/local/bin/etcd']) if (existsSync(p)) return p;
  const w = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' });
  return w.status === 0 && w.stdout.trim() ? w.stdout.trim() : undefined;
}

/** The etcd binary, installing Debian's etcd-server when missing (prints what it does). */
export function ensureEtcd(log: (s: string) => void = console.log): string {
  const found = findEtcd();
  if (found) return found;
  log('etcd not found: running `apt-get install -y etcd-server`');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', 'etcd-server'], { stdio: 'inherit', env });
  if (r.status !== 0) {
    log('install failed: running `apt-get update`, then the install again');
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', 'etcd-server'], { stdio: 'inherit', env });
  }
  const after = findEtcd();
  if (r.status !== 0 || !after)
    throw new EtcdUnavailableError(
      'could not install etcd-server with apt-get (needs root and a Debian mirror)',
    );
  return after;
}

export interface Etcd {
  url: string;
  pid: number;
  /** POST a JSON body to a gateway path such as /v3/kv/put; resolves with the parsed answer. */
  post(path: string, body: unknown): Promise<unknown>;
  put(key: string, value: string): Promise<void>;
  /** Streams watch events for keys under prefix; onPut gets each put key as it arrives. */
  watch(prefix: string, onPut: (key: string) => void): Promise<{ close(): void }>;
  stop(): Promise<void>;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export async function startEtcd(bin: string, maxSockets: number): Promise<Etcd> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-bench-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const child: ChildProcess = spawn(
    bin,
    [
      '--name=bench',
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=bench=${peerUrl}`,
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch } },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const poster = jsonPoster(url, maxSockets);
  const post = async (path: string, body: unknown): Promise<unknown> => {
    const r = await poster.post(path, body);
    if (r.status !== 200) throw new Error(`etcd ${path}: HTTP ${r.status} ${r.text}`);
    return JSON.parse(r.text);
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new EtcdUnavailableError(`etcd exited at start: ${stderr}`);
    try {
      await post('/v3/kv/range', { key: b64('health') });
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new EtcdUnavailableError(
          `etcd did not answer within ${START_TIMEOUT_MS} ms: ${(e as Error).message}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    url,
    pid: child.pid ?? 0,
    post,
    put: async (key, value) => {
      await post('/v3/kv/put', { key: b64(key), value: b64(value) });
    },
    watch: (prefix, onPut) => watchEtcd(url, prefix, onPut),
    stop: async () => {
      poster.close();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The range end that covers every key starting with prefix (etcd's prefix convention). */
function prefixEnd(prefix: string): string {
  const b = Buffer.from(prefix);
  b[b.length - 1]++;
  return b.toString('base64');
}

/** The gateway streams one JSON object per line: {"result":{"events":[{"kv":{"key":...}}]}}. */
function watchEtcd(url: string, prefix: string, onPut: (key: string) => void): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ create_request: { key: b64(prefix), range_end: prefixEnd(prefix) } });
    const req = request(
      `${url}/v3/watch`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let buf = '';
        let created = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            const msg = JSON.parse(line) as {
              result?: { created?: boolean; events?: { type?: string; kv?: { key?: string } }[] };
            };
            if (!created && msg.result?.created) {
              created = true;
              resolve({ close: () => req.destroy() });
            }
            for (const ev of msg.result?.events ?? [])
              if (ev.type !== 'DELETE' && ev.kv?.key) onPut(Buffer.from(ev.kv.key, 'base64').toString());
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
