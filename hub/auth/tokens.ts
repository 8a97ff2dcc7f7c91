// Bootstrap tokens (as Kubernetes stores them) and per-node MQTT credentials, both Secrets in
// kube-system, read and written through the API like any other client.
//   bootstrap-token-<id>  type bootstrap.kubernetes.io/token: token-id, token-secret,
//                         usage-bootstrap-authentication, optional expiration (RFC 3339)
//   drover-node-<name>    type drover.io/node-credential: node-name, password-hash
//                         (salted scrypt of a random password; the password itself is never stored)

import { createHash, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import type { ApiClient } from '../api/client.js';
import { isAlreadyExists, isNotFound } from '../api/errors.js';
import type { Secret } from '../../shared/api/types.js';
import { BOOTSTRAP_TOKEN_RE } from '../../shared/protocol/constants.js';

export const SYSTEM_NAMESPACE = 'kube-system';
export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
export const NODE_CREDENTIAL_TYPE = 'drover.io/node-credential';

/** scrypt cost parameters (Node's defaults; ~50 ms per hash on a Pi-class CPU). */
const SCRYPT = { N: 16384, r: 8, p: 1, keyLen: 32 };
/** How long a verified node credential is trusted from memory, ms. */
export const DEFAULT_CREDENTIAL_CACHE_TTL_MS = 5 * 60_000;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) =>
  s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
function randomAlnum(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const bootstrapSecretName = (tokenId: string) => `bootstrap-token-${tokenId}`;
export const nodeCredentialSecretName = (node: string) => `drover-node-${node}`;

// ---- bootstrap tokens ----

export interface CreateBootstrapTokenOptions {
  /** Token lifetime, seconds; omitted = never expires. */
  ttlSeconds?: number;
  description?: string;
}

/** Creates a bootstrap token Secret and returns the token, `abcdef.0123456789abcdef`. */
export async function createBootstrapToken(
  client: ApiClient,
  opts: CreateBootstrapTokenOptions = {},
): Promise<string> {
  for (;;) {
    const id = randomAlnum(6);
    const secret = randomAlnum(16);
    const data: Record<string, string> = {
      'token-id': b64(id),
      'token-secret': b64(secret),
      'usage-bootstrap-authentication': b64('true'),
    };
    if (opts.ttlSeconds !== undefined) {
      data.expiration = b64(
        new Date(Date.now() + opts.ttlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      );
    }
    if (opts.description) data.description = b64(opts.description);
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

/** True when token is well-formed, its Secret exists, is usable for authentication and not expired. */
export async function verifyBootstrapToken(
  client: ApiClient,
  token: string,
  nowMs = Date.now(),
): Promise<boolean> {
  const m = BOOTSTRAP_TOKEN_RE.exec(token);
  if (!m) return false;
  let s: Secret;
  try {
    s = await client.get<Secret>('secrets', SYSTEM_NAMESPACE, bootstrapSecretName(m[1]));
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
  const d = s.data ?? {};
  if (s.type !== BOOTSTRAP_TOKEN_TYPE) return false;
  if (unb64(d['token-id']) !== m[1]) return false;
  if (!safeEqual(unb64(d['token-secret']) ?? '', m[2])) return false;
  if (unb64(d['usage-bootstrap-authentication']) !== 'true') return false;
  const exp = unb64(d.expiration);
  if (exp !== undefined && !(Date.parse(exp) > nowMs)) return false;
  return true;
}

// ---- node credentials ----

function scryptHash(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, SCRYPT.keyLen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptHash(password, salt);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

async function checkPassword(stored: string, password: string): Promise<boolean> {
  const [alg, n, r, p, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !key) return false;
  const want = Buffer.from(key, 'base64');
  const got = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'base64'), want.length, { N: +n, r: +r, p: +p }, (err, k) =>
      err ? reject(err) : resolve(k),
    ),
  );
  return got.length === want.length && timingSafeEqual(got, want);
}

export interface NodeCredential {
  username: string;
  password: string;
}

/** Issues (or replaces) node's credential; returns the only copy of the password. */
export async function issueNodeCredential(
  client: ApiClient,
  nodeName: string,
  cache: NodeCredentialCache = defaultCredentialCache,
): Promise<NodeCredential> {
  const password = randomBytes(24).toString('base64url');
  const data = { 'node-name': b64(nodeName), 'password-hash': b64(await hashPassword(password)) };
  const name = nodeCredentialSecretName(nodeName);
  for (let attempt = 0; ; attempt++) {
    try {
      const existing = await client.get<Secret>('secrets', SYSTEM_NAMESPACE, name);
      await client.update<Secret>('secrets', SYSTEM_NAMESPACE, {
        ...existing,
        type: NODE_CREDENTIAL_TYPE,
        data,
      });
      break;
    } catch (e) {
      if (!isNotFound(e) && attempt < 3) continue; // conflict with a concurrent issue: retry
      if (!isNotFound(e)) throw e;
    }
    try {
      await client.create<Secret>('secrets', SYSTEM_NAMESPACE, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: SYSTEM_NAMESPACE, labels: { 'drover.io/node': nodeName } },
        type: NODE_CREDENTIAL_TYPE,
        data,
      });
      break;
    } catch (e) {
      if (!isAlreadyExists(e) || attempt >= 3) throw e;
    }
  }
  cache.invalidate(nodeName);
  return { username: `node:${nodeName}`, password };
}

/**
 * Remembers credentials that passed scrypt, keyed by node and by the Secret's
 * resourceVersion: a replaced credential changes the resourceVersion, so the old password
 * stops matching at once; the Secret read itself is cheap compared to scrypt.
 */
export class NodeCredentialCache {
  private readonly entries = new Map<string, { rv: string; digest: string; at: number }>();
  constructor(readonly ttlMs = DEFAULT_CREDENTIAL_CACHE_TTL_MS) {}

  private static digest(password: string): string {
    return createHash('sha256').update(password).digest('base64');
  }

  hit(node: string, rv: string, password: string, nowMs = Date.now()): boolean {
    const e = this.entries.get(node);
    if (!e || e.rv !== rv || nowMs - e.at > this.ttlMs) return false;
    return safeEqual(e.digest, NodeCredentialCache.digest(password));
  }

  remember(node: string, rv: string, password: string, nowMs = Date.now()): void {
    this.entries.set(node, { rv, digest: NodeCredentialCache.digest(password), at: nowMs });
  }

  invalidate(node: string): void {
    this.entries.delete(node);
  }

  size(): number {
    return this.entries.size;
  }
}

export const defaultCredentialCache = new NodeCredentialCache();

/** True when password is node's current credential. */
export async function verifyNodeCredential(
  client: ApiClient,
  nodeName: string,
  password: string,
  cache: NodeCredentialCache = defaultCredentialCache,
): Promise<boolean> {
  let s: Secret;
  try {
    s = await client.get<Secret>('secrets', SYSTEM_NAMESPACE, nodeCredentialSecretName(nodeName));
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
  if (s.type !== NODE_CREDENTIAL_TYPE || unb64(s.data?.['node-name']) !== nodeName) return false;
  const rv = s.metadata.resourceVersion ?? '';
  if (rv && cache.hit(nodeName, rv, password)) return true;
  const stored = unb64(s.data?.['password-hash']);
  if (!stored || !(await checkPassword(stored, password))) return false;
  if (rv) cache.remember(nodeName, rv, password);
  return true;
}
