// Summarizes a V8 CPU profile (.cpuprofile: node --cpu-prof, or a bench's --hub-prof) the way
// hot-path work needs it: per function (name and file:line), its self time (samples where it
// was on top of the stack) and its inclusive time (samples where it was anywhere on the stack,
// counted once per sample even when recursive), as ms and as a share of the profile's samples.
// With --by file, per source file instead. --grep keeps the rows whose key contains a string.
// --callers S: who calls the functions whose key contains S, by the time spent below them.
// --last D: only the samples of the profile's last D (e.g. 60s: a bench's hold, not its ramp).
// Run: node dist/bench/cpuprofile-summary.js hub-1.cpuprofile [--top 40] [--by fn|file]
//   [--grep controllers/] [--sort self|total] [--callers 'clone hub/api/meta.js'] [--last 60s]

import { readFileSync } from 'node:fs';
import { BenchArgs } from './lib/args.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file || file.startsWith('--')) {
  console.error(
    'usage: cpuprofile-summary.js FILE.cpuprofile [--top N] [--by fn|file] [--grep S] [--sort self|total] [--last D]',
  );
  process.exit(2);
}
const args = new BenchArgs(process.argv.slice(3));
const TOP = args.number('top', 40);
const BY = args.string('by', 'fn');
const GREP = args.has('grep') ? args.string('grep', '') : undefined;
const SORT = args.string('sort', 'self');
const CALLERS = args.has('callers') ? args.string('callers', '') : undefined;
const LAST_US = args.has('last') ? args.durationMs('last', 0) * 1000 : undefined;

const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

/** Shortens file:///.../dist/hub/x.js to hub/x.js, node:internal to itself. */
function shortUrl(url: string): string {
  const i = url.indexOf('/dist/');
  if (i >= 0) return url.slice(i + 6);
  const m = url.indexOf('/node_modules/');
  if (m >= 0) return url.slice(m + 1);
  return url;
}

function keyOf(f: CallFrame): string {
  const where = f.url ? shortUrl(f.url) : '';
  if (BY === 'file') return where || `(${f.functionName || 'native'})`;
  return `${f.functionName || '(anonymous)'} ${where ? `${where}:${f.lineNumber + 1}` : ''}`.trim();
}

const byId = new Map<number, ProfileNode>();
const parent = new Map<number, number>();
for (const n of profile.nodes) {
  byId.set(n.id, n);
  for (const c of n.children ?? []) parent.set(c, n.id);
}

// timeDeltas[i] is the time from sample i-1 to sample i: the time sample i stands for is the
// next delta (the last sample gets the mean).
const deltas = profile.timeDeltas;
const meanDelta = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
const weightUs = (i: number) => (i + 1 < deltas.length ? Math.max(0, deltas[i + 1]) : meanDelta);

/** Time of each sample under each node (its own and its descendants'), µs. */
const under = new Map<number, number>();
const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
let idle = 0;
const stackCache = new Map<number, string[]>();
function stackKeys(id: number): string[] {
  const cached = stackCache.get(id);
  if (cached) return cached;
  const keys = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    if (n && n.callFrame.functionName !== '(root)') keys.add(keyOf(n.callFrame));
  }
  const out = [...keys];
  stackCache.set(id, out);
  return out;
}

// Each sample's time since the profile's start, µs (the deltas add up to it).
const sampleAt: number[] = [];
for (let i = 0, t = 0; i < profile.samples.length; i++) {
  t += Math.max(0, deltas[i] ?? 0);
  sampleAt.push(t);
}
const fromUs = LAST_US === undefined ? 0 : profile.endTime - profile.startTime - LAST_US;

profile.samples.forEach((id, i) => {
  if ((sampleAt[i] ?? 0) < fromUs) return;
  const w = weightUs(i);
  all += w;
  const n = byId.get(id);
  if (!n) return;
  if (n.callFrame.functionName === '(idle)') {
    idle += w;
    return;
  }
  const k = keyOf(n.callFrame);
  self.set(k, (self.get(k) ?? 0) + w);
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur))
    under.set(cur, (under.get(cur) ?? 0) + w);
  for (const s of stackKeys(id)) total.set(s, (total.get(s) ?? 0) + w);
});

const busy = all - idle;
const ms = (us: number) => (us / 1000).toFixed(0).padStart(8);
const pct = (us: number) => `${((100 * us) / Math.max(1, busy)).toFixed(1).padStart(5)}%`;
console.log(
  `${file}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s profiled${LAST_US === undefined ? '' : ` (the last ${(LAST_US / 1e6).toFixed(0)} s summarized)`}, ${(busy / 1000).toFixed(0)} ms busy (${((100 * busy) / Math.max(1, all)).toFixed(1)}% of the samples), ${(idle / 1000).toFixed(0)} ms idle; percentages of busy`,
);
if (CALLERS !== undefined) {
  // The outermost frame of a recursion only: an inner one's time is already in it.
  const callers = new Map<string, number>();
  for (const n of profile.nodes) {
    if (!keyOf(n.callFrame).includes(CALLERS)) continue;
    const p = parent.get(n.id);
    const pn = p === undefined ? undefined : byId.get(p);
    if (pn && keyOf(pn.callFrame).includes(CALLERS)) continue;
    const k = pn ? keyOf(pn.callFrame) : '(none)';
    callers.set(k, (callers.get(k) ?? 0) + (under.get(n.id) ?? 0));
  }
  console.log(`callers of ${CALLERS}, by the time below the call:`);
  for (const [k, t] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, TOP))
    console.log(`${ms(t)} ${pct(t)}  ${k}`);
  process.exit(0);
}
const keys = [...new Set([...self.keys(), ...total.keys()])].filter((k) => !GREP || k.includes(GREP));
const sortBy = SORT === 'total' ? total : self;
keys.sort((a, b) => (sortBy.get(b) ?? 0) - (sortBy.get(a) ?? 0));
console.log(
  `${'self ms'.padStart(8)} ${'self'.padStart(6)} ${'total ms'.padStart(8)} ${'total'.padStart(6)}  ${BY === 'file' ? 'file' : 'function file:line'}`,
);
for (const k of keys.slice(0, TOP)) {
  const s = self.get(k) ?? 0;
  const t = total.get(k) ?? 0;
  console.log(`${ms(s)} ${pct(s)} ${ms(t)} ${pct(t)}  ${k}`);
}
