// core/v1 PersistentVolume and PersistentVolumeClaim: storage an administrator offers (a PV,
// cluster-wide) and a namespace's request for some (a PVC), bound one to one by the binder
// (hub/controllers/volume-binder.ts). Static volumes only: Drover has no StorageClass
// provisioner, so a claim no volume satisfies stays Pending.

import type { KubeObject, LabelSelector, ObjectReference } from './types.js';

export const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];
export const RECLAIM_POLICIES = ['Retain', 'Delete', 'Recycle'];
export const VOLUME_MODES = ['Filesystem', 'Block'];

export interface PersistentVolume extends KubeObject {
  spec: {
    capacity?: Record<string, string>;
    accessModes?: string[];
    persistentVolumeReclaimPolicy?: string;
    storageClassName?: string;
    volumeMode?: string;
    claimRef?: ObjectReference;
    mountOptions?: string[];
    hostPath?: { path: string; type?: string };
    local?: { path: string; fsType?: string };
    nfs?: { server: string; path: string; readOnly?: boolean };
    csi?: Record<string, unknown>;
    nodeAffinity?: Record<string, unknown>;
  };
  status?: { phase?: string; message?: string; reason?: string; lastPhaseTransitionTime?: string };
}

export interface PersistentVolumeClaim extends KubeObject {
  spec: {
    accessModes?: string[];
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    storageClassName?: string;
    volumeName?: string;
    volumeMode?: string;
    selector?: LabelSelector;
  };
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string> };
}

/** The volume sources Drover stores (exactly one per PersistentVolume). */
export const VOLUME_SOURCES = ['hostPath', 'local', 'nfs', 'csi'] as const;

/** kubectl's short access-mode names (RWO, ROX, RWX, RWOP). */
export function shortAccessModes(modes: string[] | undefined): string {
  const short: Record<string, string> = {
    ReadWriteOnce: 'RWO',
    ReadOnlyMany: 'ROX',
    ReadWriteMany: 'RWX',
    ReadWriteOncePod: 'RWOP',
  };
  return (modes ?? []).map((m) => short[m] ?? m).join(',');
}
