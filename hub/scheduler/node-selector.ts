// Node selector terms (nodeAffinity): terms are ORed, a term's requirements ANDed; a term with
// no requirements matches no node (k8s nodeaffinity helper). matchFields supports
// metadata.name only, as in Kubernetes.

import { matches, type Requirement, type Selector } from '../../shared/api/labels.js';
import type { NodeSelectorRequirement, NodeSelectorTerm, Pod } from '../../shared/api/types.js';

type Labels = Readonly<Record<string, string>>;

function toSelector(reqs: readonly NodeSelectorRequirement[]): Selector {
  return {
    requirements: reqs.map(
      (r): Requirement => ({ key: r.key, operator: r.operator, values: r.values ?? [] }),
    ),
  };
}

export function termMatches(term: NodeSelectorTerm, labels: Labels, nodeName: string): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  if (exprs.length > 0 && !matches(toSelector(exprs), labels)) return false;
  if (fields.length > 0) {
    if (fields.some((f) => f.key !== 'metadata.name')) return false;
    if (!matches(toSelector(fields), { 'metadata.name': nodeName })) return false;
  }
  return true;
}

export function nodeSelectorTermsMatch(
  terms: readonly NodeSelectorTerm[],
  labels: Labels,
  nodeName: string,
): boolean {
  return terms.some((t) => termMatches(t, labels, nodeName));
}

/** nodeSelector (all pairs) and required node affinity (any term) both hold. */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, labels: Labels, nodeName: string): boolean {
  const sel = pod.spec.nodeSelector;
  if (sel) for (const k in sel) if (labels[k] !== sel[k]) return false;
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !nodeSelectorTermsMatch(required.nodeSelectorTerms ?? [], labels, nodeName)) return false;
  return true;
}
