// ServiceAccount tokens: JWTs signed ES256 with the hub's service-account key (<dataDir>/pki/sa.key,
// 0600, made on first start; kube-apiserver's --service-account-signing-key-file), with the claims
// of Kubernetes' bound tokens (iss, sub = system:serviceaccount:<ns>:<name>, aud, exp, iat, nbf,
// kubernetes.io.{namespace, serviceaccount.{name, uid}}). Verification checks signature, issuer,
// audience and time here; whether the ServiceAccount still exists with the same uid is the
// authenticator's (authn/serviceaccount.ts), so deleting it revokes every token at once.

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pkiPaths } from './pki.js';

export const TOKEN_ISSUER = 'https://drover.hub';
export const DEFAULT_AUDIENCE = 'drover';
/** Token lifetime when a TokenRequest names none, s (Kubernetes: 1 h). */
export const DEFAULT_TOKEN_SECONDS = 3600;
/** Shortest lifetime a TokenRequest may ask for, s (Kubernetes: 10 min). */
export const MIN_TOKEN_SECONDS = 600;
/** Longest lifetime, s (1 year: tokens for automation). */
export const MAX_TOKEN_SECONDS = 365 * 86_400;
/** Clock skew allowed on nbf/exp, s. */
const LEEWAY_SECONDS = 60;

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string } };
}

export interface ServiceAccountRef {
  namespace: string;
  name: string;
  uid: string;
}

const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const SIGN_OPTS = { dsaEncoding: 'ieee-p1363' } as const;

export class ServiceAccountTokens {
  private readonly publicKey: KeyObject;

  private constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
  }

  /** The signing key in <dataDir>/pki/sa.key, made on first start. */
  static async open(dataDir: string): Promise<ServiceAccountTokens> {
    const dir = pkiPaths(dataDir).dir;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, 'sa.key');
    let pem = await readFile(path, 'utf8').catch(() => undefined);
    if (pem === undefined) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, pem, { mode: 0o600 });
      await rename(tmp, path);
    }
    return new ServiceAccountTokens(createPrivateKey(pem));
  }

  issue(sa: ServiceAccountRef, seconds: number, audiences = [DEFAULT_AUDIENCE], nowMs = Date.now()): string {
    const now = Math.floor(nowMs / 1000);
    const claims: ServiceAccountClaims = {
      iss: TOKEN_ISSUER,
      sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
      aud: audiences,
      exp: now + seconds,
      iat: now,
      nbf: now,
      'kubernetes.io': { namespace: sa.namespace, serviceaccount: { name: sa.name, uid: sa.uid } },
    };
    const signed = `${b64u(JSON.stringify({ alg: 'ES256', typ: 'JWT' }))}.${b64u(JSON.stringify(claims))}`;
    return `${signed}.${b64u(sign('sha256', Buffer.from(signed), { key: this.privateKey, ...SIGN_OPTS }))}`;
  }

  /** The claims of a token this hub signed that is valid now, else the reason it is not. */
  verify(token: string, nowMs = Date.now()): ServiceAccountClaims | { error: string } {
    const parts = token.split('.');
    if (parts.length !== 3) return { error: 'not a JWT' };
    const [h, p, s] = parts as [string, string, string];
    const ok = verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      { key: this.publicKey, ...SIGN_OPTS },
      Buffer.from(s, 'base64url'),
    );
    if (!ok) return { error: 'signature not by this hub' };
    let c: ServiceAccountClaims;
    try {
      c = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as ServiceAccountClaims;
    } catch {
      return { error: 'unreadable claims' };
    }
    const now = nowMs / 1000;
    if (c.iss !== TOKEN_ISSUER) return { error: 'wrong issuer' };
    if (!Array.isArray(c.aud) || !c.aud.includes(DEFAULT_AUDIENCE)) return { error: 'wrong audience' };
    if (typeof c.exp !== 'number' || c.exp + LEEWAY_SECONDS < now) return { error: 'token has expired' };
    if (typeof c.nbf !== 'number' || c.nbf - LEEWAY_SECONDS > now) return { error: 'token not yet valid' };
    const k = c['kubernetes.io'];
    if (!k?.namespace || !k.serviceaccount?.name || !k.serviceaccount.uid)
      return { error: 'no service account' };
    return c;
  }
}
