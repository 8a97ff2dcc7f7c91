// An image pull Secret turned into registry credentials, as the kubelet's MakeDockerKeyring:
// `kubernetes.io/dockerconfigjson` holds `{"auths": {...}}` under `.dockerconfigjson`,
// `kubernetes.io/dockercfg` the bare map under `.dockercfg`; an entry's `auth` (base64
// `user:password`) wins over username/password. The kubelet skips a secret of another type
// silently; here it is a typed error so the pod's events can say why no login was used.
// Error messages name the secret, never a credential. Pure.

import type { Secret } from '../../shared/api/types.js';
import type { RegistryAuth } from '../runtime/runtime.js';

export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';
export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';
export const DOCKERCFG_TYPE = 'kubernetes.io/dockercfg';
export const DOCKERCFG_KEY = '.dockercfg';

export class PullSecretTypeError extends Error {
  constructor(
    readonly secret: string,
    type: string,
  ) {
    super(
      `secret "${secret}" has type "${type}", not ${DOCKER_CONFIG_JSON_TYPE} or ${DOCKERCFG_TYPE}: no registry login from it`,
    );
    this.name = 'PullSecretTypeError';
  }
}

export class MalformedPullSecretError extends Error {
  constructor(
    readonly secret: string,
    why: string,
  ) {
    super(`secret "${secret}" is not a valid docker config: ${why}`);
    this.name = 'MalformedPullSecretError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The registry -> credentials map of one pull secret; throws one of the errors above. */
export function pullSecretAuths(s: Secret): Record<string, RegistryAuth> {
  const name = s.metadata.name ?? '';
  const type = s.type ?? 'Opaque';
  const dataKey =
    type === DOCKER_CONFIG_JSON_TYPE ? DOCKER_CONFIG_JSON_KEY : type === DOCKERCFG_TYPE ? DOCKERCFG_KEY : '';
  if (!dataKey) throw new PullSecretTypeError(name, type);
  const b64 = s.data?.[dataKey];
  if (!b64) throw new MalformedPullSecretError(name, `no ${dataKey} key`);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    // JSON.parse's message quotes the input: it could carry a password.
    throw new MalformedPullSecretError(name, `${dataKey} is not JSON`);
  }
  const map = type === DOCKER_CONFIG_JSON_TYPE && isObject(doc) ? doc.auths : doc;
  if (!isObject(map))
    throw new MalformedPullSecretError(
      name,
      type === DOCKER_CONFIG_JSON_TYPE ? `${dataKey} has no "auths" object` : `${dataKey} is not an object`,
    );
  const out: Record<string, RegistryAuth> = {};
  for (const [registry, entry] of Object.entries(map)) {
    if (!isObject(entry))
      throw new MalformedPullSecretError(name, `the entry for "${registry}" is not an object`);
    out[registry] = entryAuth(name, registry, entry);
  }
  return out;
}

function entryAuth(secret: string, registry: string, e: Record<string, unknown>): RegistryAuth {
  const str = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : undefined);
  let username = str('username');
  let password = str('password');
  const auth = str('auth');
  if (auth) {
    const plain = Buffer.from(auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon < 0)
      throw new MalformedPullSecretError(
        secret,
        `the "auth" of "${registry}" is not base64 of user:password`,
      );
    username = plain.slice(0, colon);
    password = plain.slice(colon + 1);
  }
  const out: RegistryAuth = { serveraddress: registry };
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  const token = str('identitytoken');
  if (token) out.identitytoken = token;
  return out;
}
