// What a hollow node looks like: its name, labels, architecture, and whether it will go silent
// or drop. Derived from its index only, so every process computes the same fleet.

import type { SimOptions } from './options.js';

export type FailureMode = 'none' | 'silent' | 'drop';

export interface HollowProfile {
  index: number;
  name: string;
  arch: string;
  labels: Record<string, string>;
  failure: FailureMode;
}

/** A stable pseudo-random number in [0, 1) for an index (mulberry32 step). */
export function unitHash(seed: number): number {
  let t = (seed + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function pickArch(mix: Record<string, number>, u: number): string {
  const entries = Object.entries(mix).filter(([, w]) => w > 0);
  const total = entries.reduce((a, [, w]) => a + w, 0);
  let x = u * total;
  for (const [arch, w] of entries) {
    if (x < w) return arch;
    x -= w;
  }
  return entries[entries.length - 1][0];
}

export function hollowProfile(o: SimOptions, index: number): HollowProfile {
  const arch = pickArch(o.archMix, unitHash(index * 2));
  const f = unitHash(index * 2 + 1);
  const failure: FailureMode =
    f < o.dropFraction ? 'drop' : f < o.dropFraction + o.silentFraction ? 'silent' : 'none';
  const labels: Record<string, string> = { ...o.labels };
  if (o.zones > 0) labels['topology.kubernetes.io/zone'] = `zone-${index % o.zones}`;
  return { index, name: `${o.namePrefix}${index}`, arch, labels, failure };
}
