// Node selector terms (nodeAffinity): terms are ORed, a term's requirements ANDed; a term with
// no requirements matches no node (k8s nodeaffinity helper). matchFields supports
// metadata.name only, as in Kubernetes. The scheduler compiles a pod's terms once per cycle
// (compileTerm / compileNodeSelection) and matches the compiled form against each node.

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

/** A term turned into selectors once; `never` for terms that match no node. */
export interface CompiledTerm {
  never: boolean;
  exprs?: Selector;
  /** Over the single field metadata.name. */
  fields?: Selector;
}

export function compileTerm(term: NodeSelectorTerm): CompiledTerm {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return { never: true };
  if (fields.some((f) => f.key !== 'metadata.name')) return { never: true };
  return {
    never: false,
    exprs: exprs.length > 0 ? toSelector(exprs) : undefined,
    fields: fields.length > 0 ? toSelector(fields) : undefined,
  };
}

export function compiledTermMatches(t: CompiledTerm, labels: Labels, nodeName: string): boolean {
  if (t.never) return false;
  if (t.exprs && !matches(t.exprs, labels)) return false;
  if (t.fields && !matches(t.fields, { 'metadata.name': nodeName })) return false;
  return true;
}

export function termMatches(term: NodeSelectorTerm, labels: Labels, nodeName: string): boolean {
  return compiledTermMatches(compileTerm(term), labels, nodeName);
}

export function nodeSelectorTermsMatch(
  terms: readonly NodeSelectorTerm[],
  labels: Labels,
  nodeName: string,
): boolean {
  return terms.some((t) => termMatches(t, labels, nodeName));
}

/**
 * The only node names the terms can match, or undefined when some term may match any name
 * (k8s NodeAffinity PreFilter): a term's `metadata.name In` requirements intersect (they are
 * ANDed), the terms' sets unite (ORed); one term without such a requirement opens every node.
 */
export function nodeNamesOfTerms(terms: readonly NodeSelectorTerm[]): Set<string> | undefined {
  let names: Set<string> | undefined;
  for (const t of terms) {
    let termNames: Set<string> | undefined;
    for (const r of t.matchFields ?? []) {
      if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
      const values = new Set(r.values ?? []);
      termNames = termNames ? new Set([...termNames].filter((n) => values.has(n))) : values;
    }
    if (!termNames) return undefined;
    names = names ? new Set([...names, ...termNames]) : termNames;
  }
  return names;
}

/** A pod's nodeSelector and required node affinity, compiled once. */
export interface NodeSelection {
  nodeSelector?: Readonly<Record<string, string>>;
  /** Undefined when the pod has no required node affinity (any node passes that half). */
  requiredTerms?: CompiledTerm[];
}

export function compileNodeSelection(pod: Pod): NodeSelection {
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return {
    nodeSelector: pod.spec.nodeSelector,
    requiredTerms: required ? (required.nodeSelectorTerms ?? []).map(compileTerm) : undefined,
  };
}

/** True when the selection lets every node through (no nodeSelector, no required affinity). */
export function selectsAll(sel: NodeSelection): boolean {
  if (sel.requiredTerms) return false;
  if (sel.nodeSelector) for (const _ in sel.nodeSelector) return false;
  return true;
}

export function selectionMatches(sel: NodeSelection, labels: Labels, nodeName: string): boolean {
  const ns = sel.nodeSelector;
  if (ns) for (const k in ns) if (labels[k] !== ns[k]) return false;
  const terms = sel.requiredTerms;
  if (terms && !terms.some((t) => compiledTermMatches(t, labels, nodeName))) return false;
  return true;
}

/** nodeSelector (all pairs) and required node affinity (any term) both hold. */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, labels: Labels, nodeName: string): boolean {
  return selectionMatches(compileNodeSelection(pod), labels, nodeName);
}
