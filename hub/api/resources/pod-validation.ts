// v1 Pod validation (422 causes) and defaulting, following the upstream rules that matter
// for running pods on a board.

import type { Container, Pod, PodSpec, StatusCause } from '../../../shared/api/types.js';
import { jsonEqual } from '../../../shared/json-equal.js';
import {
  isDns1123Label,
  isDns1123Subdomain,
  isValidPortName,
  isValidPortNum,
} from '../../../shared/api/validation.js';
import { canonicalJson, cause, notSupported, required } from '../meta.js';
import { checkQuantities } from './nodes.js';

const RESTART = ['Always', 'OnFailure', 'Never'];
const PULL = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/** Default grace period before a bound pod's containers are killed (seconds). */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

/** `Always` for `:latest` or no tag, else `IfNotPresent` (digests count as a tag). */
export function defaultPullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return last.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Container): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(c.image);
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  for (const p of c.ports ?? []) if (!p.protocol) p.protocol = 'TCP';
}

export function defaultPod(pod: Pod): void {
  const s = pod.spec;
  if (!s) return;
  if (!s.restartPolicy) s.restartPolicy = 'Always';
  if (s.terminationGracePeriodSeconds === undefined)
    s.terminationGracePeriodSeconds = DEFAULT_TERMINATION_GRACE_SECONDS;
  if (!s.dnsPolicy) s.dnsPolicy = 'ClusterFirst';
  if (!s.schedulerName) s.schedulerName = 'default-scheduler';
  if (s.priority === undefined) s.priority = 0;
  for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) defaultContainer(c);
}

function validateContainer(c: Container, f: string, names: Set<string>, volumes: Set<string>): StatusCause[] {
  const out: StatusCause[] = [];
  if (!c.name) out.push(required(`${f}.name`));
  else {
    for (const m of isDns1123Label(c.name)) out.push(cause(`${f}.name`, `Invalid value: "${c.name}": ${m}`));
    if (names.has(c.name))
      out.push(cause(`${f}.name`, `Duplicate value: "${c.name}"`, 'FieldValueDuplicate'));
    names.add(c.name);
  }
  if (!c.image?.trim()) out.push(required(`${f}.image`));
  if (c.imagePullPolicy && !PULL.includes(c.imagePullPolicy))
    out.push(notSupported(`${f}.imagePullPolicy`, c.imagePullPolicy, PULL));
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    const pf = `${f}.ports[${i}]`;
    for (const m of isValidPortNum(p.containerPort))
      out.push(cause(`${pf}.containerPort`, `Invalid value: ${p.containerPort}: ${m}`));
    if (p.hostPort !== undefined && p.hostPort !== 0)
      for (const m of isValidPortNum(p.hostPort))
        out.push(cause(`${pf}.hostPort`, `Invalid value: ${p.hostPort}: ${m}`));
    if (p.protocol && !PROTOCOLS.includes(p.protocol))
      out.push(notSupported(`${pf}.protocol`, p.protocol, PROTOCOLS));
    if (p.name) {
      for (const m of isValidPortName(p.name))
        out.push(cause(`${pf}.name`, `Invalid value: "${p.name}": ${m}`));
      if (portNames.has(p.name))
        out.push(cause(`${pf}.name`, `Duplicate value: "${p.name}"`, 'FieldValueDuplicate'));
      portNames.add(p.name);
    }
  });
  (c.env ?? []).forEach((e, i) => {
    if (!e.name) out.push(required(`${f}.env[${i}].name`));
  });
  out.push(...checkQuantities(`${f}.resources.limits`, c.resources?.limits));
  out.push(...checkQuantities(`${f}.resources.requests`, c.resources?.requests));
  (c.volumeMounts ?? []).forEach((m, i) => {
    if (!m.mountPath) out.push(required(`${f}.volumeMounts[${i}].mountPath`));
    if (!volumes.has(m.name))
      out.push(cause(`${f}.volumeMounts[${i}].name`, `Not found: "${m.name}"`, 'FieldValueNotFound'));
  });
  return out;
}

export function validatePodSpec(s: PodSpec | undefined, f = 'spec'): StatusCause[] {
  if (!s) return [required(f)];
  const out: StatusCause[] = [];
  const volumes = new Set<string>();
  (s.volumes ?? []).forEach((v, i) => {
    for (const m of isDns1123Label(v.name ?? ''))
      out.push(cause(`${f}.volumes[${i}].name`, `Invalid value: "${v.name ?? ''}": ${m}`));
    if (volumes.has(v.name))
      out.push(cause(`${f}.volumes[${i}].name`, `Duplicate value: "${v.name}"`, 'FieldValueDuplicate'));
    volumes.add(v.name);
  });
  if (!s.containers || s.containers.length === 0)
    out.push(required(`${f}.containers`, 'a pod needs at least one container'));
  const names = new Set<string>();
  for (const [i, c] of (s.containers ?? []).entries())
    out.push(...validateContainer(c, `${f}.containers[${i}]`, names, volumes));
  for (const [i, c] of (s.initContainers ?? []).entries())
    out.push(...validateContainer(c, `${f}.initContainers[${i}]`, names, volumes));
  if (s.restartPolicy && !RESTART.includes(s.restartPolicy))
    out.push(notSupported(`${f}.restartPolicy`, s.restartPolicy, RESTART));
  if (s.terminationGracePeriodSeconds !== undefined && s.terminationGracePeriodSeconds < 0)
    out.push(cause(`${f}.terminationGracePeriodSeconds`, 'Invalid value: must be >= 0'));
  if (s.nodeName)
    for (const m of isDns1123Subdomain(s.nodeName))
      out.push(cause(`${f}.nodeName`, `Invalid value: "${s.nodeName}": ${m}`));
  return out;
}

/** Upstream lets an update change only images, activeDeadlineSeconds and added tolerations. */
export function validatePodUpdate(pod: Pod, old: Pod): StatusCause[] {
  const strip = (s: PodSpec) => ({
    ...s,
    containers: (s.containers ?? []).map((c) => ({ ...c, image: '' })),
    initContainers: (s.initContainers ?? []).map((c) => ({ ...c, image: '' })),
    activeDeadlineSeconds: 0,
    tolerations: [],
  });
  const a = strip(pod.spec);
  const b = strip(old.spec);
  // Equal objects first (no copy, no sort): every status write and most updates end here.
  if (jsonEqual(a, b) || canonicalJson(a) === canonicalJson(b)) return [];
  return [
    cause(
      'spec',
      'Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations); delete and re-create the pod instead',
      'FieldValueForbidden',
    ),
  ];
}

export function qosClass(s: PodSpec): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const cs = s.containers ?? [];
  const any = cs.some(
    (c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length,
  );
  if (!any) return 'BestEffort';
  const guaranteed = cs.every((c) => {
    const l = c.resources?.limits ?? {};
    const r = { ...l, ...(c.resources?.requests ?? {}) };
    return ['cpu', 'memory'].every((k) => l[k] !== undefined && String(r[k]) === String(l[k]));
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
