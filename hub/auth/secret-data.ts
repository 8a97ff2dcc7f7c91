// Small helpers for the auth Secrets: base64 data fields and constant-time comparison.

import { timingSafeEqual } from 'node:crypto';

export const SYSTEM_NAMESPACE = 'kube-system';

export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
export const unb64 = (s: string | undefined) =>
  s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');

/** Equal strings, compared in time independent of where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** RFC 3339 without fractional seconds, as Kubernetes writes times. */
export const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
