// Which messages must not travel over a plain (unencrypted) connection: a node's desired
// state that carries Secrets (issue #15: Secrets reach agents only over TLS).

import { parseTopic } from '../../shared/mqtt/topics.js';

/** True for a desired-state payload with at least one Secret. */
export function carriesSecrets(topic: string, payload: Buffer | string): boolean {
  if (parseTopic(topic)?.kind !== 'desired') return false;
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  // Cheap pre-check before parsing: encode() writes the field as "secrets":[
  if (!text.includes('"secrets":[')) return false;
  try {
    const s = (JSON.parse(text) as { secrets?: unknown }).secrets;
    return Array.isArray(s) && s.length > 0;
  } catch {
    return true; // unreadable: do not risk it
  }
}
