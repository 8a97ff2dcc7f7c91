// The ConfigMaps and Secrets a pod references (volumes, env valueFrom, envFrom,
// imagePullSecrets): what the node running it may receive (Kubernetes' node authorizer rule,
// whose graph has the same edges), and the claims it mounts (their changes republish its
// node's set), keyed `namespace/name`.

import type { Container, Pod } from '../../shared/api/types.js';

export interface PodRefs {
  readonly configMaps: ReadonlySet<string>;
  readonly secrets: ReadonlySet<string>;
  readonly claims: ReadonlySet<string>;
}

/** Most pods reference nothing: they share one answer (the desired publisher keeps none for them). */
export const NO_REFS: PodRefs = Object.freeze({
  configMaps: new Set<string>(),
  secrets: new Set<string>(),
  claims: new Set<string>(),
});

export function podRefs(pod: Pod): PodRefs {
  const ns = pod.metadata.namespace ?? 'default';
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const claims = new Set<string>();
  const cm = (name: string | undefined) => name && configMaps.add(`${ns}/${name}`);
  const sec = (name: string | undefined) => name && secrets.add(`${ns}/${name}`);
  for (const r of pod.spec.imagePullSecrets ?? []) sec(r.name);
  for (const v of pod.spec.volumes ?? []) {
    cm(v.configMap?.name);
    sec(v.secret?.secretName);
    if (v.persistentVolumeClaim) claims.add(`${ns}/${v.persistentVolumeClaim.claimName}`);
  }
  const containers: Container[] = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      cm(e.valueFrom?.configMapKeyRef?.name);
      sec(e.valueFrom?.secretKeyRef?.name);
    }
    for (const e of c.envFrom ?? []) {
      cm(e.configMapRef?.name);
      sec(e.secretRef?.name);
    }
  }
  return configMaps.size + secrets.size + claims.size === 0 ? NO_REFS : { configMaps, secrets, claims };
}
