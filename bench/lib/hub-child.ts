// Starts bench/hub-process.js and waits for its endpoints.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HubOptions } from '../../hub/config.js';

const SCRIPT = fileURLToPath(new URL('../hub-process.js', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export interface HubChild {
  api: string;
  /** mqtts:// */
  mqtt: string;
  /** The plain listener, when the options asked for one (mqttPlainPort). */
  mqttPlain?: string;
  token: string;
  /** The hub CA, for simulated boards (they trust it without pinning). */
  caPem: string;
  pid: number;
  /** Resolves with the exit code when the hub process ends. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** profileDir: SIGWINCH to the child starts and stops a CPU profile written there (signal-profiler.ts). */
export function startHubChild(
  options: HubOptions,
  nodeArgs: string[] = [],
  profileDir?: string,
): Promise<HubChild> {
  const script = [SCRIPT, JSON.stringify(options), ...(profileDir ? [profileDir] : [])];
  const child = spawn(process.execPath, [...nodeArgs, ...script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hub process gave no endpoints within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume(); // keep draining whatever the hub prints later
        const e = JSON.parse(line) as Pick<HubChild, 'api' | 'mqtt' | 'mqttPlain' | 'token' | 'caPem'>;
        resolve({
          ...e,
          pid: child.pid ?? 0,
          exited,
          stop: async () => {
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
            await exited;
            clearTimeout(t);
          },
        });
        return;
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hub process exited with ${code} before it was up`));
    });
  });
}
