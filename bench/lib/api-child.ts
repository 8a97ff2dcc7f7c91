// Starts bench/api-process.js (API server + SqliteStore in a child process) and waits for its URL.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../api-process.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export interface ApiChild {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** profileDir: SIGWINCH (PROFILE_SIGNAL) toggles a CPU profile of the child written there. */
export function startApiChild(storePath: string, profileDir?: string): Promise<ApiChild> {
  const argv = [SCRIPT, storePath, ...(profileDir ? [profileDir] : [])];
  const child = spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`API server process gave no URL within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const { url } = JSON.parse(out.slice(0, nl)) as { url: string };
      resolve({
        url,
        pid: child.pid ?? 0,
        stop: async () => {
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(t);
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`API server process exited with ${code} before listening`));
    });
  });
}
