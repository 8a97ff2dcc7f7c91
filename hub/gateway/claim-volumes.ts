// A pod's persistentVolumeClaim volumes resolved to the bound volume's source on the board, as
// the desired set carries them: the kubelet mounts what the claim's PersistentVolume names, so
// the board sees a hostPath. Only sources on the board resolve (hostPath, local); a claim that
// is missing, not Bound, or bound to another source stays a claim volume, which the agent
// refuses with a FailedMount event naming the claim (the pod stays ContainerCreating).

import type { Pod, Volume, VolumeMount } from '../../shared/api/types.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../shared/api/volumes.js';

export interface ClaimLookup {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
}

/** The hostPath source a bound claim mounts, or undefined when it cannot be mounted here. */
export function claimHostPath(
  pvc: PersistentVolumeClaim | undefined,
  pv: PersistentVolume | undefined,
): { path: string; type?: string } | undefined {
  if (!pvc || !pv || pvc.status?.phase !== 'Bound' || pvc.spec.volumeName !== pv.metadata.name)
    return undefined;
  const ref = pv.spec.claimRef;
  if (ref && (ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace)) return undefined;
  if (pv.spec.hostPath) return { path: pv.spec.hostPath.path, type: pv.spec.hostPath.type };
  // A local volume is a path that must already exist on its board (upstream's local plugin).
  if (pv.spec.local) return { path: pv.spec.local.path, type: 'Directory' };
  return undefined;
}

/** The pod as its board gets it: bound claim volumes as hostPath, readOnly claims on every mount. */
export function resolveClaimVolumes(pod: Pod, lookup: ClaimLookup): Pod {
  const vols = pod.spec.volumes;
  if (!vols?.some((v) => v.persistentVolumeClaim)) return pod;
  const ns = pod.metadata.namespace ?? 'default';
  const readOnly = new Set<string>();
  let resolved = false;
  const volumes = vols.map((v): Volume => {
    const src = v.persistentVolumeClaim;
    if (!src) return v;
    const pvc = lookup.claim(ns, src.claimName);
    const pv = pvc?.spec.volumeName ? lookup.volume(pvc.spec.volumeName) : undefined;
    const hostPath = claimHostPath(pvc, pv);
    if (!hostPath) return v;
    resolved = true;
    if (src.readOnly) readOnly.add(v.name);
    return { name: v.name, hostPath };
  });
  if (!resolved) return pod; // the agent names the claim it cannot mount
  const mount = (m: VolumeMount): VolumeMount => (readOnly.has(m.name) ? { ...m, readOnly: true } : m);
  const containers = <T extends { volumeMounts?: VolumeMount[] }>(cs: T[] | undefined) =>
    cs?.map((c) => (c.volumeMounts ? { ...c, volumeMounts: c.volumeMounts.map(mount) } : c));
  return {
    ...pod,
    spec: {
      ...pod.spec,
      volumes,
      containers: containers(pod.spec.containers) ?? [],
      ...(pod.spec.initContainers ? { initContainers: containers(pod.spec.initContainers) } : {}),
    },
  };
}
