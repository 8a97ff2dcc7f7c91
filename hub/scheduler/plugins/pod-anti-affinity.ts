// PodAntiAffinity (the required anti-affinity half of k8s InterPodAffinity), for any topology
// key: a node is out when, in its topology domain (nodes sharing its value of topologyKey),
//  - a pod matching one of the incoming pod's required anti-affinity terms runs, or
//  - a running pod has a required anti-affinity term that matches the incoming pod.
// Nodes without the topologyKey label are not in any domain and pass.

import { fromLabelSelector, matches } from '../../../shared/api/labels.js';
import type { Pod, PodAffinityTerm } from '../../../shared/api/types.js';
import {
  type CycleContext,
  type NodeInfo,
  SKIP,
  type Skip,
  type Status,
  SUCCESS,
  unschedulable,
} from '../framework.js';

export const name = 'PodAntiAffinity';
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

/** topologyKey -> values of the domains that are excluded. */
type Domains = Map<string, Set<string>>;

interface State {
  incoming: Domains;
  existing: Domains;
}

function terms(pod: Pod): PodAffinityTerm[] {
  return pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
}

/** Does `target` match `term`, a term declared by `owner`? (nil selector matches nothing) */
export function termMatchesPod(term: PodAffinityTerm, owner: Pod, target: Pod): boolean {
  if (!term.labelSelector) return false;
  const namespaces = term.namespaces?.length ? term.namespaces : [owner.metadata.namespace ?? 'default'];
  if (!namespaces.includes(target.metadata.namespace ?? 'default')) return false;
  try {
    return matches(fromLabelSelector(term.labelSelector), target.metadata.labels);
  } catch {
    return false;
  }
}

function addDomain(d: Domains, key: string, value: string | undefined): void {
  if (value === undefined) return;
  const s = d.get(key) ?? new Set<string>();
  d.set(key, s);
  s.add(value);
}

function inDomains(d: Domains, labels: Record<string, string>): boolean {
  for (const [key, values] of d) {
    const v = labels[key];
    if (v !== undefined && values.has(v)) return true;
  }
  return false;
}

/** Skips the filter when no domain is excluded (no anti-affinity either way): every node passes. */
export function preFilter(ctx: CycleContext, pod: Pod): Skip | undefined {
  const state: State = { incoming: new Map(), existing: new Map() };
  const own = terms(pod);
  if (own.length > 0) {
    for (const n of ctx.snapshot.nodeInfos()) {
      if (n.pods.size === 0) continue;
      for (const term of own) {
        if (n.labels[term.topologyKey] === undefined) continue;
        for (const p of n.pods.values()) {
          if (termMatchesPod(term, pod, p.pod)) {
            addDomain(state.incoming, term.topologyKey, n.labels[term.topologyKey]);
            break;
          }
        }
      }
    }
  }
  for (const { podInfo, nodeInfo } of ctx.snapshot.podsWithRequiredAntiAffinity()) {
    if (podInfo.key === ctx.podInfo.key) continue;
    for (const term of terms(podInfo.pod)) {
      if (termMatchesPod(term, podInfo.pod, pod))
        addDomain(state.existing, term.topologyKey, nodeInfo.labels[term.topologyKey]);
    }
  }
  ctx.state.set(name, state);
  return state.incoming.size === 0 && state.existing.size === 0 ? SKIP : undefined;
}

export function filter(ctx: CycleContext, _pod: Pod, nodeInfo: NodeInfo): Status {
  const state = ctx.state.get(name) as State | undefined;
  if (!state) return SUCCESS;
  if (inDomains(state.existing, nodeInfo.labels)) return unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
  if (inDomains(state.incoming, nodeInfo.labels)) return unschedulable(ERR_REASON_ANTI_AFFINITY);
  return SUCCESS;
}
