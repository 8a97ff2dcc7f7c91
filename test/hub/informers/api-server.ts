// A real API server on a temporary SQLite store for the informer tests, restartable on the
// same port (a dropped watch), cleaned up afterwards.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiServer } from '../../../hub/api/server.js';
import { SqliteStore } from '../../../hub/store/sqlite.js';
import { createLogger } from '../../../shared/log.js';

export const quiet = createLogger('test', 40);

type ApiServer = Awaited<ReturnType<typeof createApiServer>>;

export interface TestApi {
  readonly store: SqliteStore;
  readonly api: ApiServer;
  /** Stops the server (ending every watch), runs `between`, and starts it on the same port. */
  restart(between?: () => Promise<void>): Promise<void>;
}

export async function withApi(fn: (t: TestApi) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-informers-'));
  const store = SqliteStore.open(join(dir, 'store.db'));
  let api = await createApiServer({ store, port: 0, log: quiet, insecureLoopback: true });
  const t: TestApi = {
    store,
    get api() {
      return api;
    },
    async restart(between) {
      const port = api.port;
      await api.close();
      await between?.();
      api = await createApiServer({ store, port, log: quiet, insecureLoopback: true });
    },
  };
  try {
    await fn(t);
  } finally {
    await api.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
