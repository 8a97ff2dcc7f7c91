// Where each pod volume lives on the host (pure; volumes.ts creates the content).
import { join } from 'node:path';
import type { Volume } from '../../shared/api/types.js';

export type VolumeKind = 'empty-dir' | 'host-path' | 'configmap' | 'secret';

export function volumeKind(v: Volume): VolumeKind | undefined {
  if (v.emptyDir) return 'empty-dir';
  if (v.hostPath) return 'host-path';
  if (v.configMap) return 'configmap';
  if (v.secret) return 'secret';
  return undefined;
}

/** Host path that is bind-mounted for the volume; undefined for an unsupported volume type. */
export function volumeHostPath(podDir: string, v: Volume): string | undefined {
  const kind = volumeKind(v);
  if (!kind) return undefined;
  if (kind === 'host-path') return v.hostPath!.path;
  return join(podDir, 'volumes', kind, v.name);
}
