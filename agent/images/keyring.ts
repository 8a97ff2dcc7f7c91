// Registry credentials matched to an image as the kubelet's BasicDockerKeyring does
// (pkg/credentialprovider/keyring.go): each key of a docker config is a schemeless URL
// (`host[:port][/path]`, `/v1/` or `/v2/` stripped); a key matches an image when the ports are
// equal, the host has as many dot-separated parts, each part matches as a glob (`*.example.com`)
// and the key's path is a prefix of the image's repository path. Keys are tried in reverse
// lexical order (more specific paths first); Docker Hub images fall back to `index.docker.io`.
// Pure.

import type { RegistryAuth } from '../runtime/runtime.js';

const DEFAULT_REGISTRY_HOST = 'index.docker.io';

export interface KeyringEntry {
  /** Schemeless key: `host[:port][/path]`. */
  key: string;
  auth: RegistryAuth;
}

export class Keyring {
  private readonly byKey = new Map<string, RegistryAuth[]>();
  private index: string[] = [];

  /** Adds a docker config's `auths` map (or a legacy .dockercfg map). Bad keys are skipped. */
  add(auths: Record<string, RegistryAuth>): void {
    for (const [loc, auth] of Object.entries(auths)) {
      const key = configKey(loc);
      if (key === undefined) continue;
      const list = this.byKey.get(key) ?? [];
      list.push(auth);
      this.byKey.set(key, list);
    }
    this.index = [...this.byKey.keys()].sort().reverse();
  }

  get size(): number {
    return this.index.length;
  }

  /** Credentials for an image's repository (no tag), most specific first; [] when none match. */
  lookup(image: string): RegistryAuth[] {
    const repo = repository(image);
    const out: RegistryAuth[] = [];
    for (const k of this.index) if (urlsMatch(k, repo)) out.push(...(this.byKey.get(k) ?? []));
    if (out.length > 0) return out;
    if (isDefaultRegistryMatch(repo)) return this.byKey.get(DEFAULT_REGISTRY_HOST) ?? [];
    return [];
  }
}

/** The config key as the kubelet stores it: scheme dropped, `/v1/` `/v2/` prefixes dropped. */
export function configKey(loc: string): string | undefined {
  const withScheme = /^https?:\/\//.test(loc) ? loc : `https://${loc}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return undefined;
  }
  let path = u.pathname;
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  return path.length > 0 && path !== '/' ? `${u.host}${path}` : u.host;
}

/** The image reference without tag or digest: `host[:port]/path` or a Docker Hub name. */
export function repository(image: string): string {
  let ref = image;
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  return ref;
}

/** The registry host of an image as Docker resolves it (`docker.io` when none is named). */
export function registryHost(image: string): string {
  const repo = repository(image);
  const first = repo.split('/', 1)[0];
  return repo.includes('/') && (first === 'localhost' || /[.:]/.test(first)) ? first : 'docker.io';
}

/** kubelet's isDefaultRegistryMatch: the image is pulled from Docker Hub. */
function isDefaultRegistryMatch(repo: string): boolean {
  const parts = repo.split('/');
  if (parts[0].length === 0) return false;
  if (parts.length === 1) return true;
  if (parts[0] === 'docker.io' || parts[0] === DEFAULT_REGISTRY_HOST) return true;
  return !/[.:]/.test(parts[0]);
}

interface SplitUrl {
  hostParts: string[];
  port: string;
  path: string;
}

function split(schemeless: string): SplitUrl | undefined {
  let u: URL;
  try {
    u = new URL(`https://${schemeless}`);
  } catch {
    return undefined;
  }
  // URL drops the scheme's default port; a key naming :443 keeps it in the text.
  const m = /^[^/]*?(?::(\d+))?(?:\/|$)/.exec(schemeless);
  return { hostParts: u.hostname.split('.'), port: m?.[1] ?? u.port, path: u.pathname };
}

/** kubelet's URLsMatch: glob host parts, equal ports, the key's path a prefix of the target's. */
export function urlsMatch(glob: string, target: string): boolean {
  const g = split(glob);
  const t = split(target);
  if (!g || !t) return false;
  if (g.port !== t.port || g.hostParts.length !== t.hostParts.length) return false;
  const gPath = g.path === '/' ? '' : g.path;
  if (!t.path.startsWith(gPath)) return false;
  return g.hostParts.every((p, i) => globMatch(p, t.hostParts[i]));
}

/** Go's filepath.Match for one host label: `*`, `?` and `[...]` classes. */
export function globMatch(pattern: string, s: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false; // Go: ErrBadPattern, treated as no match
      let cls = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`).test(s);
  } catch {
    return false;
  }
}
