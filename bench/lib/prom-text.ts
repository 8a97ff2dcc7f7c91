// Reading a hub's Prometheus text exposition: sums over series, LISTs served by resource.

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

/** One label's value -> sample value, for every series of metric `name`. */
export function metricByLabel(text: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`^${name}\\{(?:[^}]*,)?${label}="([^"]+)"[^}]*\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) out[m[1]] = Number(m[2]);
  return out;
}

/** drover_api_list_total by resource (LISTs served since the hub started). */
export function listsByResource(text: string): Record<string, number> {
  return metricByLabel(text, 'drover_api_list_total', 'resource');
}
