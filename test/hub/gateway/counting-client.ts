// An ApiClient that counts what a gateway handler asks of the API (GETs, status writes) and
// passes every call on to the real one: for handlers that read a cache instead of the store.

import type { ApiClient } from '../../../hub/api/client.js';

export interface CallCounts {
  gets: number;
  statusWrites: number;
}

export function countingClient(real: ApiClient): { client: ApiClient; counts: CallCounts } {
  const counts: CallCounts = { gets: 0, statusWrites: 0 };
  const client = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'get')
        return (...args: Parameters<ApiClient['get']>) => {
          counts.gets++;
          return target.get(...args);
        };
      if (prop === 'update')
        return (...args: Parameters<ApiClient['update']>) => {
          if (args[3] === 'status') counts.statusWrites++;
          return target.update(...args);
        };
      return Reflect.get(target, prop, receiver);
    },
  }) as ApiClient;
  return { client, counts };
}
