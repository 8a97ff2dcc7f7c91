// A hub's Prometheus text (/metrics over its admin TLS, see hub-tls.ts), for tests that count
// what the hub did (LISTs served, boards connected); parsed with bench/lib/prom-text.ts.

export { listsByResource, metricSum } from '../../bench/lib/prom-text.js';

/** The /metrics text of the hub at apiUrl (trustHub must have been called for it). */
export async function scrapeMetrics(apiUrl: string): Promise<string> {
  const r = await fetch(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (r.status !== 200) throw new Error(`GET /metrics: ${r.status}`);
  return r.text();
}
