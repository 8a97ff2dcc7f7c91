// Bootstrap tokens (as Kubernetes stores them) and per-node MQTT credentials, both Secrets in
// kube-system, read and written through the API like any other client.
//   bootstrap-token-<id>  type bootstrap.kubernetes.io/token: token-id, token-secret,
//                         usage-bootstrap-authentication, optional expiration (RFC 3339)
//   drover-node-<name>    type drover.io/node-credential: node-name, password-hash
//                         (SHA-256 of a random 192-bit password; the password itself is never stored)

import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { ApiClient } from '../api/client.js';
import { isAlreadyExists, isNotFound } from '../api/errors.js';
import type { Secret } from '../../shared/api/types.js';
import { BOOTSTRAP_TOKEN_RE } from '../../shared/protocol/constants.js';

export const SYSTEM_NAMESPACE = 'kube-system';
export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
export const NODE_CREDENTIAL_TYPE = 'drover.io/node-credential';

/** Random bytes in a node password: 192 bits, so a fast hash is as safe as a slow one. */
const NODE_PASSWORD_BYTES = 24;

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

// A slow password hash (scrypt, bcrypt) protects guessable human passwords. Node passwords
// are 192 random bits: no guess can succeed, so SHA-256 is enough, and joins and reconnects of
// thousands of boards after a hub restart cost microseconds each instead of ~50 ms of CPU.
function hashPassword(password: string): string {
  return `sha256$${createHash('sha256').update(password).digest('base64')}`;
}

function checkPassword(stored: string, password: string): boolean {
  return stored.startsWith('sha256$') && safeEqual(stored, hashPassword(password));
}

export interface NodeCredential {
  username: string;
  password: string;
}

/** Issues (or replaces) node's credential; returns the only copy of the password. */
export async function issueNodeCredential(client: ApiClient, nodeName: string): Promise<NodeCredential> {
  const password = randomBytes(NODE_PASSWORD_BYTES).toString('base64url');
  const data = { 'node-name': b64(nodeName), 'password-hash': b64(hashPassword(password)) };
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
  return { username: `node:${nodeName}`, password };
}

/** True when password is node's current credential. */
export async function verifyNodeCredential(
  client: ApiClient,
  nodeName: string,
  password: string,
): Promise<boolean> {
  let s: Secret;
  try {
    s = await client.get<Secret>('secrets', SYSTEM_NAMESPACE, nodeCredentialSecretName(nodeName));
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
  if (s.type !== NODE_CREDENTIAL_TYPE || unb64(s.data?.['node-name']) !== nodeName) return false;
  const stored = unb64(s.data?.['password-hash']);
  return stored !== undefined && checkPassword(stored, password);
}
