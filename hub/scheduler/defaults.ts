// The default scheduling profile (kube-scheduler's default plugin set and weights, for the
// plugins Drover has) and its validation.

import type { Plugin } from './framework.js';
import { PluginPhaseError, registry, UnknownPluginError } from './registry.js';

export interface ScorePluginConfig {
  name: string;
  weight: number;
}

export interface Profile {
  /** Filter plugins, run in this order; a node's first failing filter gives its reasons. */
  filters: string[];
  scores: ScorePluginConfig[];
  /** Percent of nodes to find feasible before scoring; 0 = adaptive (50 - nodes/125, min 5). */
  percentageOfNodesToScore: number;
}

// Order matters for the reason a node reports (as in k8s, taints come before resources, so a
// node that is unreachable says so rather than "Insufficient cpu").
export const DEFAULT_PROFILE: Profile = {
  filters: [
    'NodeUnschedulable',
    'NodeName',
    'TaintToleration',
    'NodeReady',
    'NodeAffinity',
    'NodeArch',
    'NodeResourcesFit',
    'VolumeBinding',
    'PodAntiAffinity',
  ],
  scores: [
    { name: 'TaintToleration', weight: 3 },
    { name: 'NodeAffinity', weight: 2 },
    { name: 'NodeResourcesLeastAllocated', weight: 1 },
    { name: 'NodeResourcesBalancedAllocation', weight: 1 },
    { name: 'ImageLocality', weight: 1 },
  ],
  percentageOfNodesToScore: 0,
};

export interface ResolvedProfile {
  filters: Plugin[];
  scores: { plugin: Plugin; weight: number }[];
  percentageOfNodesToScore: number;
}

export class InvalidProfileError extends Error {
  override name = 'InvalidProfileError';
}

export function resolveProfile(profile: Partial<Profile> = {}): ResolvedProfile {
  const p = { ...DEFAULT_PROFILE, ...profile };
  const filters = p.filters.map((n) => {
    const plugin = registry.get(n);
    if (!plugin) throw new UnknownPluginError(n, 'filter');
    if (!plugin.filter) throw new PluginPhaseError(n, 'filter');
    return plugin;
  });
  const scores = p.scores.map(({ name, weight }) => {
    const plugin = registry.get(name);
    if (!plugin) throw new UnknownPluginError(name, 'score');
    if (!plugin.score) throw new PluginPhaseError(name, 'score');
    if (!Number.isInteger(weight) || weight < 1)
      throw new InvalidProfileError(`score plugin ${name}: weight must be an integer >= 1, got ${weight}`);
    return { plugin, weight };
  });
  const pct = p.percentageOfNodesToScore;
  if (!Number.isInteger(pct) || pct < 0 || pct > 100)
    throw new InvalidProfileError(
      `percentageOfNodesToScore must be an integer 0..100 (0 = adaptive), got ${pct}`,
    );
  return { filters, scores, percentageOfNodesToScore: pct };
}
