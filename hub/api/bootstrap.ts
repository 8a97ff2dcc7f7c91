// Namespaces that exist from the start (kube-apiserver's system namespace controller).

import type { ApiClient } from './client.js';
import { isAlreadyExists } from './errors.js';
import { SYSTEM_NAMESPACES } from './resources/namespaces.js';

export async function ensureSystemNamespaces(client: ApiClient): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await client.create('namespaces', undefined, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
}
