// NodeAffinity: filter on nodeSelector + required node affinity; score by preferred node
// affinity. The pod's terms are compiled once per cycle (preFilter / preScore), not per node.

import type { Pod } from '../../../shared/api/types.js';
import {
  type CycleContext,
  defaultNormalizeScore,
  type NodeInfo,
  type PreFilterResult,
  SKIP,
  type Skip,
  type Status,
  SUCCESS,
  unresolvable,
} from '../framework.js';
import {
  type CompiledTerm,
  compiledTermMatches,
  compileNodeSelection,
  compileTerm,
  type NodeSelection,
  nodeNamesOfTerms,
  selectionMatches,
  selectsAll,
} from '../node-selector.js';

export const name = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

const FILTER_STATE = `${name}/filter`;
const SCORE_STATE = `${name}/score`;

/**
 * Skips the filter for a pod with neither nodeSelector nor required affinity (all nodes pass);
 * names the only candidate nodes when the required terms pin the pod by metadata.name, as a
 * DaemonSet's pods are (k8s NodeAffinity PreFilterResult).
 */
export function preFilter(ctx: CycleContext, pod: Pod): Skip | PreFilterResult | undefined {
  const sel = compileNodeSelection(pod);
  ctx.state.set(FILTER_STATE, sel);
  if (selectsAll(sel)) return SKIP;
  const terms =
    pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const names = terms && terms.length > 0 ? nodeNamesOfTerms(terms) : undefined;
  return names ? { nodeNames: names, reason: ERR_REASON_POD } : undefined;
}

export function filter(ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): Status {
  let sel = ctx.state.get(FILTER_STATE) as NodeSelection | undefined;
  if (!sel) {
    preFilter(ctx, pod);
    sel = ctx.state.get(FILTER_STATE) as NodeSelection;
  }
  return selectionMatches(sel, nodeInfo.labels, nodeInfo.name) ? SUCCESS : unresolvable(ERR_REASON_POD);
}

interface Preferred {
  weight: number;
  term: CompiledTerm;
}

/** Skips scoring when the pod prefers nothing: every node would score 0 (k8s does the same). */
export function preScore(ctx: CycleContext, pod: Pod): Skip | undefined {
  const preferred: Preferred[] = [];
  for (const p of pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (p.weight !== 0) preferred.push({ weight: p.weight, term: compileTerm(p.preference) });
  }
  ctx.state.set(SCORE_STATE, preferred);
  return preferred.length === 0 ? SKIP : undefined;
}

/** Raw score = sum of the weights of the preferred terms the node matches. */
export function score(ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): number {
  let preferred = ctx.state.get(SCORE_STATE) as Preferred[] | undefined;
  if (!preferred) {
    preScore(ctx, pod);
    preferred = ctx.state.get(SCORE_STATE) as Preferred[];
  }
  let sum = 0;
  for (const p of preferred) {
    if (compiledTermMatches(p.term, nodeInfo.labels, nodeInfo.name)) sum += p.weight;
  }
  return sum;
}

/** final = floor(100 * raw / max raw over the feasible nodes); all 0 when nothing matches. */
export function normalizeScore(_ctx: CycleContext, _pod: Pod, scores: number[]): void {
  defaultNormalizeScore(scores, false);
}
