// A read that failed before any answer (fetch's TypeError: "Failed to fetch") is tried again a
// couple of times: the browser drops requests in flight when the machine's network changes
// (Chromium's ERR_NETWORK_CHANGED), and a board operator's laptop on a site's flaky Wi-Fi sees
// that often. Only GET and HEAD: a write may have reached the hub before its answer was lost.

/** Pauses before the second and third tries, ms. */
export const NETWORK_RETRY_DELAYS_MS: readonly number[] = [250, 1000];

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function fetchRetryingNetworkErrors(
  doFetch: FetchFn,
  input: string,
  init: RequestInit = {},
  delaysMs: readonly number[] = NETWORK_RETRY_DELAYS_MS,
): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase();
  const idempotent = method === 'GET' || method === 'HEAD';
  for (let attempt = 0; ; attempt++) {
    try {
      return await doFetch(input, init);
    } catch (e) {
      const networkError = e instanceof TypeError;
      if (!idempotent || !networkError || init.signal?.aborted || attempt >= delaysMs.length) throw e;
      await sleep(delaysMs[attempt]);
      if (init.signal?.aborted) throw e;
    }
  }
}
