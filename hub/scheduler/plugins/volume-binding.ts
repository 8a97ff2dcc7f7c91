// VolumeBinding (kube-scheduler's plugin, static volumes only): a pod that mounts a claim fits
// no node while the claim is missing, being deleted, or not bound (no dynamic provisioning or
// delayed binding here, so it waits for the binder); once bound, only the nodes that the
// volume's required nodeAffinity selects (a `local` volume pins its board).

import type { NodeSelectorTerm, Pod } from '../../../shared/api/types.js';
import {
  type CycleContext,
  type NodeInfo,
  SKIP,
  type Skip,
  type Status,
  SUCCESS,
  unresolvable,
} from '../framework.js';
import { type CompiledTerm, compiledTermMatches, compileTerm } from '../node-selector.js';

export const name = 'VolumeBinding';
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';

const STATE = `${name}/filter`;

interface ClaimState {
  /** Why no node fits (the same for every node). */
  error?: string;
  /** Per bound volume with node affinity: its terms, ORed; volumes ANDed. */
  volumes: CompiledTerm[][];
}

/** The pod's claims checked once per cycle against the snapshot's claims and volumes. */
function claimState(ctx: CycleContext, pod: Pod): ClaimState | undefined {
  const vols = (pod.spec.volumes ?? []).filter((v) => v.persistentVolumeClaim);
  if (vols.length === 0) return undefined;
  const ns = pod.metadata.namespace ?? 'default';
  const out: ClaimState = { volumes: [] };
  for (const v of vols) {
    const claimName = v.persistentVolumeClaim!.claimName;
    const pvc = ctx.snapshot.claim(ns, claimName);
    if (!pvc) return { error: `persistentvolumeclaim "${claimName}" not found`, volumes: [] };
    if (pvc.metadata.deletionTimestamp)
      return { error: `persistentvolumeclaim "${claimName}" is being deleted`, volumes: [] };
    const pv =
      pvc.status?.phase === 'Bound' && pvc.spec.volumeName
        ? ctx.snapshot.volume(pvc.spec.volumeName)
        : undefined;
    if (!pv) return { error: 'pod has unbound immediate PersistentVolumeClaims', volumes: [] };
    const required = (
      pv.spec.nodeAffinity as { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } } | undefined
    )?.required?.nodeSelectorTerms;
    if (required) out.volumes.push(required.map(compileTerm));
  }
  return out;
}

/** Skips the filter for a pod that mounts no claim. */
export function preFilter(ctx: CycleContext, pod: Pod): Skip | undefined {
  const s = claimState(ctx, pod);
  if (!s) return SKIP;
  ctx.state.set(STATE, s);
  return undefined;
}

export function filter(ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): Status {
  const s = (ctx.state.get(STATE) as ClaimState | undefined) ?? claimState(ctx, pod);
  if (!s) return SUCCESS;
  if (s.error) return unresolvable(s.error);
  for (const terms of s.volumes)
    if (!terms.some((t) => compiledTermMatches(t, nodeInfo.labels, nodeInfo.name)))
      return unresolvable(ERR_REASON_NODE_CONFLICT);
  return SUCCESS;
}
