// The ConfigMaps and Secrets a pod references (volumes, env valueFrom, envFrom,
// imagePullSecrets): what the node running it may receive (Kubernetes' node authorizer rule,
// whose graph has the same edges), keyed `namespace/name`.

import type { Container, Pod } from '../../shared/api/types.js';

export interface PodRefs {
  configMaps: Set<string>;
  secrets: Set<string>;
}

export function podRefs(pod: Pod): PodRefs {
  const ns = pod.metadata.namespace ?? 'default';
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const cm = (name: string | undefined) => name && configMaps.add(`${ns}/${name}`);
  const sec = (name: string | undefined) => name && secrets.add(`${ns}/${name}`);
  for (const r of pod.spec.imagePullSecrets ?? []) sec(r.name);
  for (const v of pod.spec.volumes ?? []) {
    cm(v.configMap?.name);
    sec(v.secret?.secretName);
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
  return { configMaps, secrets };
}
