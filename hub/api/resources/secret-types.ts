// Kubernetes' checks of the well-known Secret types that carry registry logins
// (ValidateSecret): `kubernetes.io/dockerconfigjson` needs `.dockerconfigjson` and
// `kubernetes.io/dockercfg` needs `.dockercfg`, each a JSON object. The value is never echoed
// (upstream says "<secret contents redacted>"; JSON.parse's own message would quote it).

import type { Secret, StatusCause } from '../../../shared/api/types.js';
import { cause, required } from '../meta.js';

const REQUIRED_KEY: Record<string, string> = {
  'kubernetes.io/dockerconfigjson': '.dockerconfigjson',
  'kubernetes.io/dockercfg': '.dockercfg',
};

export function validateSecretType(s: Secret): StatusCause[] {
  const key = REQUIRED_KEY[s.type ?? ''];
  if (!key) return [];
  const field = `data[${key}]`;
  const b64 = s.data?.[key];
  if (b64 === undefined) return [required(field)];
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    doc = undefined;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return [cause(field, 'Invalid value: "<secret contents redacted>": must be a JSON object')];
  return [];
}
