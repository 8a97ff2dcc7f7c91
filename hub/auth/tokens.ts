// Bootstrap tokens, stored as Kubernetes stores them: Secret kube-system/bootstrap-token-<id>,
// type bootstrap.kubernetes.io/token, data token-id, token-secret,
// usage-bootstrap-authentication, expiration (RFC 3339), description. Drover adds two limits
// for tokens written on board images:
//   node-name     the token joins only this node name (a per-board token)
//   usage-limit   joins allowed; usage-count counts them (a single-use token has limit 1)
// A join spends one use with an optimistic-concurrency update, so two joins racing for the
// last use cannot both win.

import { randomInt } from 'node:crypto';
import type { ApiClient } from '../api/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../api/errors.js';
import type { Secret } from '../../shared/api/types.js';
import { BOOTSTRAP_TOKEN_RE } from '../../shared/protocol/constants.js';
import {
  BootstrapTokenNodeMismatchError,
  BootstrapTokenUsedUpError,
  ExpiredBootstrapTokenError,
  InvalidBootstrapTokenError,
  JoinRefusedError,
} from './errors.js';
import { b64, rfc3339, SYSTEM_NAMESPACE, safeEqual, unb64 } from './secret-data.js';

export { SYSTEM_NAMESPACE } from './secret-data.js';
export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';

/** Default token lifetime, seconds: 24 h, kubeadm's default `--ttl`. 0 = never expires. */
export const DEFAULT_BOOTSTRAP_TOKEN_TTL_S = 86_400;
/** Conflicting updates retried when spending a use (another join raced us). */
const SPEND_ATTEMPTS = 5;

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
function randomAlnum(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

export const bootstrapSecretName = (tokenId: string) => `bootstrap-token-${tokenId}`;

export interface CreateBootstrapTokenOptions {
  /** Token lifetime, seconds; default 24 h; 0 = never expires. */
  ttlSeconds?: number;
  description?: string;
  /** Only this node name may join with it. */
  nodeName?: string;
  /** Joins allowed; omitted = unlimited. */
  usageLimit?: number;
}

/** What `drover token list` shows of a token (never its secret). */
export interface BootstrapTokenInfo {
  id: string;
  /** RFC 3339, or undefined when it never expires. */
  expiration?: string;
  description?: string;
  nodeName?: string;
  usageLimit?: number;
  usageCount: number;
}

/** Creates a bootstrap token Secret and returns the token, `abcdef.0123456789abcdef`. */
export async function createBootstrapToken(
  client: ApiClient,
  opts: CreateBootstrapTokenOptions = {},
): Promise<string> {
  const ttl = opts.ttlSeconds ?? DEFAULT_BOOTSTRAP_TOKEN_TTL_S;
  for (;;) {
    const id = randomAlnum(6);
    const secret = randomAlnum(16);
    const data: Record<string, string> = {
      'token-id': b64(id),
      'token-secret': b64(secret),
      'usage-bootstrap-authentication': b64('true'),
    };
    if (ttl > 0) data.expiration = b64(rfc3339(Date.now() + ttl * 1000));
    if (opts.description) data.description = b64(opts.description);
    if (opts.nodeName) data['node-name'] = b64(opts.nodeName);
    if (opts.usageLimit !== undefined) {
      data['usage-limit'] = b64(String(opts.usageLimit));
      data['usage-count'] = b64('0');
    }
    try {
      await client.create<Secret>('secrets', SYSTEM_NAMESPACE, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: bootstrapSecretName(id), namespace: SYSTEM_NAMESPACE },
        type: BOOTSTRAP_TOKEN_TYPE,
        data,
      });
      return `${id}.${secret}`;
    } catch (e) {
      if (!isAlreadyExists(e)) throw e; // an id collision: draw another
    }
  }
}

function infoOf(s: Secret): BootstrapTokenInfo | undefined {
  const d = s.data ?? {};
  const id = unb64(d['token-id']);
  if (s.type !== BOOTSTRAP_TOKEN_TYPE || !id) return undefined;
  const limit = unb64(d['usage-limit']);
  return {
    id,
    expiration: unb64(d.expiration),
    description: unb64(d.description),
    nodeName: unb64(d['node-name']),
    usageLimit: limit === undefined ? undefined : Number(limit),
    usageCount: Number(unb64(d['usage-count']) ?? 0),
  };
}

export async function listBootstrapTokens(client: ApiClient): Promise<BootstrapTokenInfo[]> {
  const list = await client.list<Secret>('secrets', SYSTEM_NAMESPACE);
  return list.items.flatMap((s) => infoOf(s) ?? []);
}

/** Deletes a token by id or by the whole token; false when there was none. */
export async function deleteBootstrapToken(client: ApiClient, idOrToken: string): Promise<boolean> {
  const id = idOrToken.split('.')[0];
  try {
    await client.delete('secrets', SYSTEM_NAMESPACE, bootstrapSecretName(id));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

async function readToken(client: ApiClient, token: string): Promise<Secret> {
  const m = BOOTSTRAP_TOKEN_RE.exec(token);
  if (!m) throw new InvalidBootstrapTokenError('malformed bootstrap token');
  let s: Secret;
  try {
    s = await client.get<Secret>('secrets', SYSTEM_NAMESPACE, bootstrapSecretName(m[1]));
  } catch (e) {
    if (isNotFound(e)) throw new InvalidBootstrapTokenError('unknown bootstrap token');
    throw e;
  }
  const d = s.data ?? {};
  if (
    s.type !== BOOTSTRAP_TOKEN_TYPE ||
    unb64(d['token-id']) !== m[1] ||
    !safeEqual(unb64(d['token-secret']) ?? '', m[2]) ||
    unb64(d['usage-bootstrap-authentication']) !== 'true'
  )
    throw new InvalidBootstrapTokenError('unknown bootstrap token');
  return s;
}

/** Throws the refusal that applies to this token now; `nodeName` checks a per-board token. */
function checkToken(s: Secret, nowMs: number, nodeName?: string): BootstrapTokenInfo {
  const info = infoOf(s)!;
  if (info.expiration !== undefined && !(Date.parse(info.expiration) > nowMs))
    throw new ExpiredBootstrapTokenError(`bootstrap token ${info.id} expired at ${info.expiration}`);
  if (info.usageLimit !== undefined && !(info.usageCount < info.usageLimit))
    throw new BootstrapTokenUsedUpError(
      `bootstrap token ${info.id} is used up (${info.usageCount} of ${info.usageLimit} joins)`,
    );
  if (nodeName !== undefined && info.nodeName !== undefined && info.nodeName !== nodeName)
    throw new BootstrapTokenNodeMismatchError(
      `bootstrap token ${info.id} is for node ${info.nodeName}, not ${nodeName}`,
    );
  return info;
}

/** True when the token exists, matches, is usable for authentication, not expired and not used up. */
export async function verifyBootstrapToken(
  client: ApiClient,
  token: string,
  nowMs = Date.now(),
): Promise<boolean> {
  try {
    checkToken(await readToken(client, token), nowMs);
    return true;
  } catch (e) {
    if (e instanceof JoinRefusedError) return false;
    throw e;
  }
}

/**
 * Spends one join of `token` for `nodeName`: throws the refusal when the token is invalid,
 * expired, used up or for another node. Tokens without a usage limit are only checked.
 */
export async function spendBootstrapToken(
  client: ApiClient,
  token: string,
  nodeName: string,
  nowMs = Date.now(),
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const s = await readToken(client, token);
    const info = checkToken(s, nowMs, nodeName);
    if (info.usageLimit === undefined) return;
    try {
      await client.update<Secret>('secrets', SYSTEM_NAMESPACE, {
        ...s,
        data: { ...s.data, 'usage-count': b64(String(info.usageCount + 1)) },
      });
      return;
    } catch (e) {
      if (!isConflict(e) || attempt >= SPEND_ATTEMPTS) throw e;
    }
  }
}
