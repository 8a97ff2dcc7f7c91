// Creates a pod's volumes on the host before its containers start: emptyDir directories,
// hostPath checks, and configMap/secret files (items key->path, defaultMode) written atomically.
import { promises as fs } from 'node:fs';
import { dirname, isAbsolute, normalize } from 'node:path';
import type { ConfigMap, Pod, Secret, Volume } from '../../shared/api/types.js';
import { type FileEntry, writeAtomicDir } from './atomic-dir.js';
import { DEFAULT_VOLUME_FILE_MODE } from './defaults.js';
import type { ByName } from './env.js';
import { VolumeSetupError } from './errors.js';
import { volumeHostPath } from './volume-paths.js';

interface Source {
  kind: 'configmap' | 'secret';
  name: string;
  values?: Record<string, Buffer>;
  items?: { key: string; path: string }[];
  optional?: boolean;
  defaultMode?: number;
}

function configMapSource(v: Volume, cms: ByName<ConfigMap>): Source {
  const src = v.configMap!;
  const cm = cms.get(src.name);
  let values: Record<string, Buffer> | undefined;
  if (cm) {
    values = {};
    for (const [k, s] of Object.entries(cm.data ?? {})) values[k] = Buffer.from(s, 'utf8');
    for (const [k, s] of Object.entries(cm.binaryData ?? {})) values[k] = Buffer.from(s, 'base64');
  }
  return {
    kind: 'configmap',
    name: src.name,
    values,
    items: src.items,
    optional: src.optional,
    defaultMode: src.defaultMode,
  };
}

function secretSource(v: Volume, secrets: ByName<Secret>): Source {
  const src = v.secret!;
  const s = secrets.get(src.secretName);
  let values: Record<string, Buffer> | undefined;
  if (s) {
    values = {};
    for (const [k, d] of Object.entries(s.data ?? {})) values[k] = Buffer.from(d, 'base64');
    for (const [k, d] of Object.entries(s.stringData ?? {})) values[k] = Buffer.from(d, 'utf8');
  }
  return {
    kind: 'secret',
    name: src.secretName,
    values,
    items: src.items,
    optional: src.optional,
    defaultMode: src.defaultMode,
  };
}

function checkRelPath(volume: string, p: string): string {
  const n = normalize(p);
  if (
    !p ||
    isAbsolute(p) ||
    n === '..' ||
    n.startsWith('../') ||
    n.split('/').some((c) => c.startsWith('..'))
  ) {
    throw new VolumeSetupError(volume, `invalid path "${p}": must be relative, without ".." elements`);
  }
  return n;
}

/** The files a configMap/secret volume shows; throws VolumeSetupError for a missing source or key. */
function projectFiles(volume: string, src: Source): Map<string, FileEntry> {
  const files = new Map<string, FileEntry>();
  const mode = src.defaultMode ?? DEFAULT_VOLUME_FILE_MODE;
  if (!src.values) {
    if (src.optional) return files;
    throw new VolumeSetupError(volume, `${src.kind} "${src.name}" not found`);
  }
  const items = src.items ?? Object.keys(src.values).map((key) => ({ key, path: key }));
  for (const it of items) {
    const data = src.values[it.key];
    if (data === undefined) {
      if (src.optional) continue;
      throw new VolumeSetupError(volume, `${src.kind} references non-existent config key: ${it.key}`);
    }
    files.set(checkRelPath(volume, it.path), { data, mode });
  }
  return files;
}

async function hostPath(v: Volume): Promise<void> {
  const { path, type } = v.hostPath!;
  const st = await fs.stat(path).catch(() => undefined);
  switch (type) {
    case 'DirectoryOrCreate':
      if (!st) await fs.mkdir(path, { recursive: true, mode: 0o755 });
      return;
    case 'FileOrCreate':
      if (!st) {
        await fs.mkdir(dirname(path), { recursive: true });
        await fs.writeFile(path, '', { flag: 'a', mode: 0o644 });
      }
      return;
    case 'Directory':
      if (!st?.isDirectory())
        throw new VolumeSetupError(v.name, `hostPath type check failed: ${path} is not a directory`);
      return;
    case 'File':
      if (!st?.isFile())
        throw new VolumeSetupError(v.name, `hostPath type check failed: ${path} is not a file`);
      return;
    default:
      return; // '' or unchecked types: Docker creates a missing source as a directory
  }
}

/**
 * Creates or refreshes every volume of the pod under `<podDir>/volumes/`. Idempotent: call it on
 * each sync to pick up ConfigMap/Secret changes. Returns volume name -> host path.
 */
export async function materializeVolumes(
  pod: Pod,
  podDir: string,
  configMaps: ByName<ConfigMap>,
  secrets: ByName<Secret>,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const v of pod.spec.volumes ?? []) {
    // The hub sends a bound claim as its volume's hostPath; one still a claim has none here.
    if (v.persistentVolumeClaim)
      throw new VolumeSetupError(
        v.name,
        `persistentVolumeClaim "${v.persistentVolumeClaim.claimName}" is missing or not bound to a volume on this board`,
      );
    const path = volumeHostPath(podDir, v);
    if (!path) throw new VolumeSetupError(v.name, 'unsupported volume type');
    if (v.emptyDir) {
      await fs.mkdir(path, { recursive: true });
      await fs.chmod(path, 0o777); // as kubelet: any container user may write
    } else if (v.hostPath) {
      await hostPath(v);
    } else {
      const src = v.configMap ? configMapSource(v, configMaps) : secretSource(v, secrets);
      await writeAtomicDir(path, projectFiles(v.name, src));
    }
    out[v.name] = path;
  }
  return out;
}
