// Lets a test's plain fetch() reach hubs over HTTPS as their admin: trustHub(apiUrl, dataDir)
// registers the CA and admin client certificate from the hub's own kubeconfig for that origin, on
// the process-wide dispatcher global fetch uses. Hubs with different CAs in one process each get
// their own credentials; any other origin gets a plain connection.

import { join } from 'node:path';
import { Agent, type Dispatcher, Pool, setGlobalDispatcher } from 'undici';
import { readKubeconfig } from '../../cli/api.js';
import type { ClientTls } from '../../hub/api/client-tls.js';

const byOrigin = new Map<string, ClientTls>();

setGlobalDispatcher(
  new Agent({
    factory: (origin: string | URL, opts: object): Dispatcher => {
      const o = typeof origin === 'string' ? origin : origin.origin;
      const tls = byOrigin.get(o);
      if (!tls) return new Pool(origin, opts);
      return new Pool(origin, { ...opts, connect: { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem } });
    },
  }),
);

/** Global fetch() to apiUrl now trusts the hub CA and presents its admin certificate. */
export function trustHub(apiUrl: string, dataDir: string): void {
  byOrigin.set(new URL(apiUrl).origin, readKubeconfig(join(dataDir, 'kubeconfig')).tls);
}
