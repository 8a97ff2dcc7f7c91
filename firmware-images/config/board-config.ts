// drover.json on the boot partition: what a board needs to join a fleet. Written by
// `drover image config`, read by the board's first boot; one validator serves both, and every
// problem is one line that names the key and says what to write instead.

import { BOOTSTRAP_TOKEN_RE } from '../../shared/protocol/constants.js';
import { CA_HASH_RE } from '../../shared/tls/ca-hash.js';

export const BOARD_CONFIG_FILE = 'drover.json';
/** `{serial}` in a name is replaced by the board's serial number (its last 8 hex digits). */
export const SERIAL_PLACEHOLDER = '{serial}';
export const DEFAULT_NAME_TEMPLATE = `drover-${SERIAL_PLACEHOLDER}`;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KNOWN_KEYS = ['hub', 'token', 'caHash', 'name', 'labels', 'sshAuthorizedKeys'] as const;

export interface BoardConfig {
  /** Broker URLs (mqtts:// or mqtt://); several when the hub runs replicated. */
  hub: string[];
  /** Bootstrap token; absent once the board has joined (first boot removes it). */
  token?: string;
  /** Pin of the hub's CA, sha256:<hex>. */
  caHash?: string;
  /** Node name, may hold {serial}. */
  name: string;
  labels: Record<string, string>;
  sshAuthorizedKeys: string[];
}

export class BoardConfigError extends Error {
  override name = 'BoardConfigError';
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`${key}: ${problem}`);
  }
}

function stringList(v: unknown, key: string): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string'))
    throw new BoardConfigError(key, 'must be a string or a list of strings');
  return list as string[];
}

function checkHub(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BoardConfigError('hub', `${JSON.stringify(url)} is not a URL; write mqtts://HOST:8883`);
  }
  if (u.protocol !== 'mqtt:' && u.protocol !== 'mqtts:')
    throw new BoardConfigError(
      'hub',
      `${JSON.stringify(url)} must be mqtts:// (or mqtt:// for a plain listener)`,
    );
}

/** Validates a parsed drover.json. */
export function validateBoardConfig(v: unknown): BoardConfig {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new BoardConfigError(BOARD_CONFIG_FILE, 'must hold a JSON object');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!(KNOWN_KEYS as readonly string[]).includes(k))
      throw new BoardConfigError(k, `unknown key; known: ${KNOWN_KEYS.join(', ')}`);
  const hub = stringList(o.hub ?? [], 'hub');
  if (hub.length === 0)
    throw new BoardConfigError('hub', 'required: the hub broker URL, e.g. mqtts://hub.local:8883');
  hub.forEach(checkHub);
  // The agent's rule for a hub list (agent/config.ts parseHubUrls), refused here as one line at
  // first boot instead of by an agent that would then restart forever.
  if (new Set(hub.map((u) => new URL(u).protocol)).size > 1)
    throw new BoardConfigError(
      'hub',
      'mix of mqtts:// and mqtt:// hubs: every hub of one cluster is reached the same way',
    );
  if (new Set(hub).size !== hub.length) throw new BoardConfigError('hub', 'a hub URL is listed twice');
  if (o.token !== undefined && (typeof o.token !== 'string' || !BOOTSTRAP_TOKEN_RE.test(o.token)))
    throw new BoardConfigError(
      'token',
      'a bootstrap token looks like abcdef.0123456789abcdef (`drover token create`)',
    );
  if (o.caHash !== undefined && (typeof o.caHash !== 'string' || !CA_HASH_RE.test(o.caHash)))
    throw new BoardConfigError(
      'caHash',
      'must be sha256: followed by 64 lowercase hex digits (the hub prints it)',
    );
  const name = o.name ?? DEFAULT_NAME_TEMPLATE;
  if (typeof name !== 'string' || !isDns1123(name.replaceAll(SERIAL_PLACEHOLDER, '0')))
    throw new BoardConfigError(
      'name',
      `must be a DNS-1123 name (lowercase letters, digits, '-', '.'), optionally with ${SERIAL_PLACEHOLDER}`,
    );
  const labels = o.labels ?? {};
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels))
    throw new BoardConfigError('labels', 'must be an object of string values, e.g. {"site": "barn-3"}');
  for (const [k, val] of Object.entries(labels))
    if (typeof val !== 'string')
      throw new BoardConfigError('labels', `value of ${JSON.stringify(k)} must be a string`);
  const sshAuthorizedKeys = stringList(o.sshAuthorizedKeys ?? [], 'sshAuthorizedKeys');
  for (const key of sshAuthorizedKeys)
    if (!/^(ssh|ecdsa|sk)-\S+ \S+/.test(key))
      throw new BoardConfigError(
        'sshAuthorizedKeys',
        'each entry is one public key line, e.g. "ssh-ed25519 AAAA... me@laptop"',
      );
  return {
    hub,
    ...(o.token !== undefined ? { token: o.token as string } : {}),
    ...(o.caHash !== undefined ? { caHash: o.caHash as string } : {}),
    name,
    labels: labels as Record<string, string>,
    sshAuthorizedKeys,
  };
}

/** Parses the file's text; JSON errors become a BoardConfigError too. */
export function parseBoardConfig(text: string): BoardConfig {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BoardConfigError(BOARD_CONFIG_FILE, `is not valid JSON (${(e as Error).message})`);
  }
  return validateBoardConfig(v);
}

function isDns1123(s: string): boolean {
  return s.length > 0 && s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

/** The node name: the template with {serial} replaced by the serial's last 8 hex digits. */
export function resolveNodeName(template: string, serial: string | undefined): string {
  if (!template.includes(SERIAL_PLACEHOLDER)) return template;
  const digits = (serial ?? '').toLowerCase().replace(/[^0-9a-f]/g, '');
  if (!digits)
    throw new BoardConfigError(
      'name',
      `${template} needs the board's serial number, which this board does not report; set a name`,
    );
  return template.replaceAll(SERIAL_PLACEHOLDER, digits.slice(-8));
}

/** The config written back without its token (the board keeps its own credential). */
export function withoutToken(c: BoardConfig): BoardConfig {
  const { token: _token, ...rest } = c;
  return rest;
}

/** drover.json text as `drover image config` writes it and first boot rewrites it. */
export function formatBoardConfig(c: BoardConfig): string {
  const out: Record<string, unknown> = { hub: c.hub.length === 1 ? c.hub[0] : c.hub };
  if (c.token !== undefined) out.token = c.token;
  if (c.caHash !== undefined) out.caHash = c.caHash;
  out.name = c.name;
  if (Object.keys(c.labels).length) out.labels = c.labels;
  if (c.sshAuthorizedKeys.length) out.sshAuthorizedKeys = c.sshAuthorizedKeys;
  return `${JSON.stringify(out, null, 2)}\n`;
}
