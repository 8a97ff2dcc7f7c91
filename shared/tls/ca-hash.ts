// kubeadm's discovery-token-ca-cert-hash: `sha256:` + the hex SHA-256 of a certificate's DER
// SubjectPublicKeyInfo. Pinning the key (not the whole certificate) survives a CA re-issued
// with the same key. node:crypto only: the agent computes it on Node 18 with no extra module.

import { createHash, X509Certificate } from 'node:crypto';

export const CA_HASH_RE = /^sha256:[0-9a-f]{64}$/;

/** The hash of a certificate given as PEM or DER. */
export function caCertHash(cert: string | Buffer): string {
  const spki = new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}
