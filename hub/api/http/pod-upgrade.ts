// What the pods' upgraded subresources (exec, portforward) share: their options, the pod they
// name (404 in kube-apiserver's words), and the protocols a client offers in a header.

import type { Pod } from '../../../shared/api/types.js';
import type { Logger } from '../../../shared/log.js';
import type { RpcClient } from '../../gateway/rpc.js';
import type { ApiClient } from '../client.js';
import { NotFoundError } from '../errors.js';

export interface PodUpgradeOptions {
  client: ApiClient;
  /** The gateway's RPC client; undefined until the gateway runs. */
  rpc(): RpcClient | undefined;
  log: Logger;
}

/** The pod, or NotFound. */
export async function podOf(client: ApiClient, ns: string, name: string): Promise<Pod> {
  try {
    return await client.get<Pod>('pods', ns, name);
  } catch (e) {
    if ((e as { code?: number }).code === 404) throw new NotFoundError('pods', name);
    throw e;
  }
}

/** A comma-separated protocol header (Sec-WebSocket-Protocol, X-Stream-Protocol-Version) as a list. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  return String(header ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
