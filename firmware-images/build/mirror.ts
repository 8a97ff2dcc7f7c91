// The Debian mirror this machine's apt uses, so the bootstrap reaches the same (and only) one:
// URIs from /etc/apt/sources.list (one-line format) and sources.list.d/*.sources (deb822).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DebianMirror {
  /** Archive root, e.g. http://deb.debian.org/debian */
  debian: string;
  /** Security archive root, e.g. http://deb.debian.org/debian-security */
  security: string;
}

export class MirrorError extends Error {
  override name = 'MirrorError';
}

/** URIs of `deb` entries in one file's text (one-line or deb822 format). */
export function debUris(text: string, deb822: boolean): string[] {
  const uris: string[] = [];
  if (!deb822) {
    for (const line of text.split('\n')) {
      const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line);
      if (m) uris.push(m[1]);
    }
    return uris;
  }
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m) fields.set(m[1].toLowerCase(), m[2].trim());
    }
    if (!(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue;
    if ((fields.get('enabled') ?? 'yes') === 'no') continue;
    uris.push(...(fields.get('uris') ?? '').split(/\s+/).filter(Boolean));
  }
  return uris;
}

/** Picks the Debian archive and its security archive among the URIs apt is configured with. */
export function pickMirror(uris: string[]): DebianMirror {
  const clean = uris.map((u) => u.replace(/\/+$/, ''));
  const security = clean.find((u) => /debian-security$/.test(u));
  const debian = clean.find((u) => /\/debian$/.test(u));
  if (!debian)
    throw new MirrorError(
      `no Debian archive (a URI ending in /debian) among apt's sources: ${clean.join(', ') || 'none'}`,
    );
  return { debian, security: security ?? `${debian}-security` };
}

export function hostMirror(etcApt = '/etc/apt'): DebianMirror {
  const uris: string[] = [];
  const list = join(etcApt, 'sources.list');
  if (existsSync(list)) uris.push(...debUris(readFileSync(list, 'utf8'), false));
  const dir = join(etcApt, 'sources.list.d');
  if (existsSync(dir))
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.list')) uris.push(...debUris(readFileSync(join(dir, f), 'utf8'), false));
      else if (f.endsWith('.sources')) uris.push(...debUris(readFileSync(join(dir, f), 'utf8'), true));
    }
  return pickMirror(uris);
}
