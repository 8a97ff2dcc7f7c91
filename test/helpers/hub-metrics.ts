// A hub's Prometheus text (/metrics over its admin TLS, see hub-tls.ts) and sums over series,
// for tests that count what the hub did (LISTs served, boards connected).

/** The /metrics text of the hub at apiUrl (trustHub must have been called for it). */
export async function scrapeMetrics(apiUrl: string): Promise<string> {
  const r = await fetch(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (r.status !== 200) throw new Error(`GET /metrics: ${r.status}`);
  return r.text();
}

/** Sum over every series of metric `name` whose labels include all of `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const l of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(l);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) total += Number(m[3]);
  }
  return total;
}

/** drover_api_list_total by resource (LISTs served since the hub started). */
export function listsByResource(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^drover_api_list_total\{resource="([^"]+)"\} (\d+)$/gm))
    out[m[1]] = Number(m[2]);
  return out;
}
