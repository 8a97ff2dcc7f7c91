// The API server over a fresh SqliteStore in its own process, so the store benchmark's HTTP
// load generator does not share the server's event loop (etcd runs in its own process too).
// Usage: node dist/bench/api-process.js <store.db> [profile-dir]; prints {"url": ...} on stdout
// when listening; exits on SIGTERM or when stdin closes. With a profile dir, SIGWINCH starts and
// stops a CPU profile written there (bench/lib/signal-profiler.ts).

import { createApiServer } from '../hub/api/server.js';
import { SqliteStore } from '../hub/store/sqlite.js';
import { createLogger } from '../shared/log.js';
import { profileOnSignal } from './lib/signal-profiler.js';

const path = process.argv[2];
if (!path) {
  console.error('usage: node dist/bench/api-process.js <store.db>');
  process.exit(2);
}
const profileDir = process.argv[3];
if (profileDir) profileOnSignal(profileDir, `api-${process.pid}`);
const store = SqliteStore.open(path);
const server = await createApiServer({
  store,
  host: '127.0.0.1',
  port: 0,
  log: createLogger('api', 30),
  insecureLoopback: true,
});
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await server.close();
  await store.close();
  process.exit(0);
};
process.on('SIGTERM', () => void close());
process.stdin.on('end', () => void close());
process.stdin.resume();
