// The image-pull half of Kubernetes' ServiceAccount admission plugin: a pod created without
// imagePullSecrets gets those of its ServiceAccount (spec.serviceAccountName, or `default`),
// so `kubectl patch serviceaccount default -p '{"imagePullSecrets":[...]}'` applies to the pods
// created afterwards, as on Kubernetes. Upstream also refuses a pod whose ServiceAccount does
// not exist; Drover creates no per-namespace `default` ServiceAccount, so a missing one is
// skipped instead.

import type { Pod } from '../../../shared/api/types.js';
import type { ApiCore } from '../core.js';
import { fromKv } from '../meta.js';
import type { ServiceAccount } from '../resources/serviceaccounts.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

/** Copies the ServiceAccount's imagePullSecrets into a pod that names none (in place). */
export async function admitServiceAccountPullSecrets(pod: Pod, core: ApiCore): Promise<void> {
  if (pod.spec.imagePullSecrets?.length) return;
  const ns = pod.metadata.namespace ?? 'default';
  const name = pod.spec.serviceAccountName || DEFAULT_SERVICE_ACCOUNT;
  const kv = await core.store.get(`/registry/serviceaccounts/${ns}/${name}`);
  if (!kv) return;
  const refs = (fromKv(kv) as ServiceAccount).imagePullSecrets?.filter((r) => r.name);
  if (refs?.length) pod.spec.imagePullSecrets = refs.map((r) => ({ name: r.name }));
}
