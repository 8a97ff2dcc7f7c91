// Agent bundle signatures (issue #10: bundles "signed with the hub's key"). The hub signs each
// self-update order's version and SHA-256 with its CA key (ECDSA P-256 over SHA-256, DER,
// base64); the agent verifies it with the hub CA it pinned at join before it asks for the bytes,
// and the bytes against that SHA-256 before it swaps. A bundle someone else chose (another sum,
// another version's signature, no signature) is refused. The signed text starts with a fixed
// context line, so the signature stands for a bundle order and nothing else the CA key signs
// (certificates are DER, never this text). node:crypto only: the agent runs this on boards.

import { createPrivateKey, sign, verify, X509Certificate } from 'node:crypto';

const CONTEXT = 'drover agent bundle order v1';

/** The bytes a bundle signature covers. */
export function bundleSignedText(version: string, sha256: string): Buffer {
  return Buffer.from(`${CONTEXT}\n${version}\n${sha256}\n`);
}

/** The hub's signature of an order (base64 DER ECDSA), with its CA private key. */
export function signBundleOrder(keyPem: string, version: string, sha256: string): string {
  return sign('sha256', bundleSignedText(version, sha256), createPrivateKey(keyPem)).toString('base64');
}

/** True when signature is the CA's over this version and SHA-256; false for anything else. */
export function verifyBundleOrder(
  caPem: string,
  version: string,
  sha256: string,
  signature: string,
): boolean {
  try {
    const key = new X509Certificate(caPem).publicKey;
    return verify('sha256', bundleSignedText(version, sha256), key, Buffer.from(signature, 'base64'));
  } catch {
    return false; // a malformed signature or CA is no signature
  }
}
