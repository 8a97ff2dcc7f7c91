// A container's environment as kubelet builds it: envFrom sources first (later ones win), then
// `env` entries in order (they win over envFrom); literal values may reference earlier variables
// with $(VAR). ConfigMaps and Secrets are looked up by name in the pod's namespace.
import type { ConfigMap, Container, Pod, Secret } from '../../shared/api/types.js';
import { CreateContainerConfigError } from './errors.js';
import { expand } from './expand.js';

export type ByName<T> = ReadonlyMap<string, T>;

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** A Secret's decoded values; `stringData` (write-only in Kubernetes) wins when present. */
export function secretValues(secret: Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = v;
  return out;
}

function fieldValue(pod: Pod, fieldPath: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    default:
      throw new CreateContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
  }
}

function ns(pod: Pod): string {
  return pod.metadata.namespace ?? 'default';
}

function envFromValues(
  container: Container,
  configMaps: ByName<ConfigMap>,
  secrets: ByName<Secret>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const src of container.envFrom ?? []) {
    let values: Record<string, string> | undefined;
    if (src.configMapRef) {
      const cm = configMaps.get(src.configMapRef.name);
      if (!cm && !src.configMapRef.optional)
        throw new CreateContainerConfigError(`configmap "${src.configMapRef.name}" not found`);
      values = cm?.data;
    } else if (src.secretRef) {
      const s = secrets.get(src.secretRef.name);
      if (!s && !src.secretRef.optional)
        throw new CreateContainerConfigError(`secret "${src.secretRef.name}" not found`);
      values = s && secretValues(s);
    }
    for (const [k, v] of Object.entries(values ?? {})) {
      const name = (src.prefix ?? '') + k;
      // kubelet skips invalid names (and records an event) rather than failing the container.
      if (ENV_NAME.test(name)) out[name] = v;
    }
  }
  return out;
}

/** The resolved environment; throws CreateContainerConfigError for a missing non-optional ref. */
export function resolveEnv(
  container: Container,
  configMaps: ByName<ConfigMap>,
  secrets: ByName<Secret>,
  pod: Pod,
): Record<string, string> {
  const env = envFromValues(container, configMaps, secrets);
  for (const e of container.env ?? []) {
    const from = e.valueFrom;
    if (!from) {
      env[e.name] = expand(e.value ?? '', env);
    } else if (from.configMapKeyRef) {
      const { name, key, optional } = from.configMapKeyRef;
      const cm = configMaps.get(name);
      if (!cm) {
        if (optional) continue;
        throw new CreateContainerConfigError(`configmap "${name}" not found`);
      }
      const v = cm.data?.[key];
      if (v === undefined) {
        if (optional) continue;
        throw new CreateContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns(pod)}/${name}`);
      }
      env[e.name] = v;
    } else if (from.secretKeyRef) {
      const { name, key, optional } = from.secretKeyRef;
      const s = secrets.get(name);
      if (!s) {
        if (optional) continue;
        throw new CreateContainerConfigError(`secret "${name}" not found`);
      }
      const v = secretValues(s)[key];
      if (v === undefined) {
        if (optional) continue;
        throw new CreateContainerConfigError(`couldn't find key ${key} in Secret ${ns(pod)}/${name}`);
      }
      env[e.name] = v;
    } else if (from.fieldRef) {
      env[e.name] = fieldValue(pod, from.fieldRef.fieldPath);
    }
  }
  return env;
}
