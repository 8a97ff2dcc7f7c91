// The hub's ApiClient for commands that use the token/credential helpers of hub/auth (token,
// node): the target from --server/--kubeconfig, loaded lazily so `drover agent` never loads it.

import { flagString, type ParsedFlags } from '../agent/flags.js';
import type { ApiClient } from '../hub/api/client.js';
import { resolveApiTarget } from './api.js';

export async function hubApiClient(f: ParsedFlags): Promise<ApiClient> {
  const target = resolveApiTarget({
    server: flagString(f, 'server'),
    kubeconfig: flagString(f, 'kubeconfig'),
  });
  const { HttpApiClient } = await import('../hub/api/http-client.js');
  return new HttpApiClient(
    target.server,
    target.token ? { authorization: `Bearer ${target.token}` } : {},
    target.tls,
  );
}
