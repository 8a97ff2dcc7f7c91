// The registry credentials of one pod: its imagePullSecrets (already defaulted from its
// ServiceAccount by the hub's admission, as Kubernetes does) read from the Secrets the hub sent
// this board. Each secret that is missing, of another type or malformed gives a problem for the
// pod's events (kubelet: FailedToRetrieveImagePullSecret); the pull goes on with the rest.
// The fingerprint changes when the usable credentials change, so a pull that failed with the
// old ones is retried at once instead of after its backoff. Pure.

import { createHash } from 'node:crypto';
import type { Pod, Secret } from '../../shared/api/types.js';
import { Keyring } from './keyring.js';
import { pullSecretAuths } from './pull-secret.js';

export interface PodKeyring {
  keyring: Keyring;
  /** One line per secret that could not be used; never a credential. */
  problems: string[];
  /** Short hash of the usable secrets' names and contents; '' without any. */
  fingerprint: string;
}

export function podKeyring(pod: Pod, secrets: Map<string, Secret>): PodKeyring {
  const keyring = new Keyring();
  const problems: string[] = [];
  const hash = createHash('sha256');
  let used = 0;
  for (const ref of pod.spec.imagePullSecrets ?? []) {
    const name = ref.name ?? '';
    if (!name) continue;
    const s = secrets.get(name);
    if (!s) {
      problems.push(`secret "${name}" not found`);
      continue;
    }
    try {
      keyring.add(pullSecretAuths(s));
      hash.update(`${name}\0${JSON.stringify(s.data ?? {})}\0`);
      used++;
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return { keyring, problems, fingerprint: used > 0 ? hash.digest('hex').slice(0, 16) : '' };
}
