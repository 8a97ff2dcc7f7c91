// Test helpers for the API: a real SQLite store in a temp dir and a real HTTP server.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../shared/log.js';
import { SqliteStore } from '../../../hub/store/sqlite.js';
import type { ApiServerOptions } from '../../../hub/api/options.js';
import { type ApiServer, createApiServer } from '../../../hub/api/server.js';

export interface TestApi {
  api: ApiServer;
  store: SqliteStore;
  dir: string;
  stop(): Promise<void>;
}

export async function startApi(
  opts: Partial<Pick<ApiServerOptions, 'maxBodyBytes' | 'bookmarkIntervalMs' | 'uiDir'>> = {},
): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-api-'));
  const store = SqliteStore.open(join(dir, 'store.db'));
  const api = await createApiServer({
    store,
    port: 0,
    log: createLogger('api', 40),
    insecureLoopback: true,
    ...opts,
  });
  return {
    api,
    store,
    dir,
    async stop() {
      await api.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls cond until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(cond: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function node(
  name: string,
  ready: 'True' | 'False' | 'Unknown' = 'True',
  extra: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '7Gi', pods: '110' },
      conditions: [
        { type: 'Ready', status: ready, reason: 'AgentReady', lastHeartbeatTime: new Date().toISOString() },
      ],
      addresses: [
        { type: 'InternalIP', address: '10.0.0.7' },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        machineID: 'm',
        systemUUID: 's',
        bootID: 'b',
        kernelVersion: '6.1.0-rpi7',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'docker://24.0.7',
        kubeletVersion: 'v1.32.0-drover',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'arm64',
      },
    },
    ...extra,
  };
}
