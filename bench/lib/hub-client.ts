// A benchmark's API access to a hub it started: the hub's own kubeconfig (CA + admin
// certificate) in its data dir, as kubectl would use it.

import { join } from 'node:path';
import { readKubeconfig } from '../../cli/api.js';
import { tlsFetch } from '../../hub/api/client-tls.js';
import { HttpApiClient } from '../../hub/api/http-client.js';
import type { KubeObject } from '../../shared/api/types.js';

export function hubApiClient(dataDir: string): HttpApiClient {
  const kc = readKubeconfig(join(dataDir, 'kubeconfig'));
  return new HttpApiClient(kc.server, {}, kc.tls);
}

/** fetch() that trusts the hub and presents its admin certificate (for /metrics). */
export function hubFetch(dataDir: string): ReturnType<typeof tlsFetch> {
  return tlsFetch(readKubeconfig(join(dataDir, 'kubeconfig')).tls);
}

/** A bearer token of ServiceAccount default/<name> bound to cluster-admin (for a browser to sign in with). */
export async function adminBearerToken(dataDir: string, name = 'bench'): Promise<string> {
  const c = hubApiClient(dataDir);
  await c.create('serviceaccounts', 'default', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name },
  });
  await c.create('clusterrolebindings', undefined, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: `${name}-cluster-admin` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name, namespace: 'default' }],
  } as KubeObject);
  const tr = await c.createSubresource<KubeObject & { status: { token: string } }>(
    'serviceaccounts',
    'default',
    name,
    'token',
    {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: {},
      spec: { expirationSeconds: 86_400 },
    } as KubeObject,
  );
  return tr.status.token;
}
