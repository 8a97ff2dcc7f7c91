// core/v1 Service validation: the subset of upstream ValidateService a ClusterIP, NodePort or
// headless Service needs, with upstream's field paths and messages. The proxy forwards TCP, so
// other protocols are refused here rather than accepted and never served.

import { CLUSTER_IP_NONE, type Service } from '../../../shared/api/service.js';
import type { StatusCause } from '../../../shared/api/types.js';
import {
  isDns1123Label,
  isLabelValue,
  isQualifiedName,
  isValidPortName,
  isValidPortNum,
} from '../../../shared/api/validation.js';
import { cause, notSupported, required } from '../meta.js';

const SUPPORTED_TYPES = ['ClusterIP', 'NodePort'];

function portCauses(svc: Service): StatusCause[] {
  const s = svc.spec;
  const ports = s.ports ?? [];
  const out: StatusCause[] = [];
  const headless = s.clusterIP === CLUSTER_IP_NONE;
  if (ports.length === 0 && !headless) out.push(required('spec.ports'));
  const seen = new Set<string>();
  const names = new Set<string>();
  for (const [i, p] of ports.entries()) {
    const at = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) out.push(required(`${at}.name`));
    if (p.name) {
      for (const m of isDns1123Label(p.name))
        out.push(cause(`${at}.name`, `Invalid value: "${p.name}": ${m}`));
      if (names.has(p.name))
        out.push(cause(`${at}.name`, `Duplicate value: "${p.name}"`, 'FieldValueDuplicate'));
      names.add(p.name);
    }
    for (const m of isValidPortNum(p.port)) out.push(cause(`${at}.port`, `Invalid value: ${p.port}: ${m}`));
    if (p.protocol !== 'TCP') out.push(notSupported(`${at}.protocol`, p.protocol, ['TCP']));
    const key = `${p.port}/${p.protocol}`;
    if (seen.has(key))
      out.push(
        cause(at, `Duplicate value: {"port":${p.port},"protocol":"${p.protocol}"}`, 'FieldValueDuplicate'),
      );
    seen.add(key);
    const t = p.targetPort;
    if (typeof t === 'number')
      for (const m of isValidPortNum(t)) out.push(cause(`${at}.targetPort`, `Invalid value: ${t}: ${m}`));
    else if (typeof t === 'string')
      for (const m of isValidPortName(t)) out.push(cause(`${at}.targetPort`, `Invalid value: "${t}": ${m}`));
    if (p.nodePort !== undefined && s.type === 'ClusterIP')
      out.push(
        cause(
          `${at}.nodePort`,
          "Forbidden: may not be used when `type` is 'ClusterIP'",
          'FieldValueForbidden',
        ),
      );
    if (p.nodePort !== undefined && p.nodePort !== 0)
      for (const m of isValidPortNum(p.nodePort))
        out.push(cause(`${at}.nodePort`, `Invalid value: ${p.nodePort}: ${m}`));
  }
  return out;
}

export function validateService(svc: Service, old?: Service): StatusCause[] {
  const s = svc.spec;
  if (!s) return [required('spec')];
  const out: StatusCause[] = [];
  if (!SUPPORTED_TYPES.includes(s.type ?? '')) out.push(notSupported('spec.type', s.type, SUPPORTED_TYPES));
  for (const [k, v] of Object.entries(s.selector ?? {})) {
    for (const m of isQualifiedName(k)) out.push(cause('spec.selector', `Invalid value: "${k}": ${m}`));
    for (const m of isLabelValue(v)) out.push(cause('spec.selector', `Invalid value: "${v}": ${m}`));
  }
  if (s.clusterIP === CLUSTER_IP_NONE && s.type === 'NodePort')
    out.push(
      cause('spec.clusterIPs[0]', `Invalid value: "None": may not be set to 'None' for NodePort services`),
    );
  if (s.clusterIPs && s.clusterIP && s.clusterIPs[0] !== s.clusterIP)
    out.push(
      cause('spec.clusterIPs', `Invalid value: ${JSON.stringify(s.clusterIPs)}: must match clusterIP`),
    );
  if (s.sessionAffinity && !['None', 'ClientIP'].includes(s.sessionAffinity))
    out.push(notSupported('spec.sessionAffinity', s.sessionAffinity, ['ClientIP', 'None']));
  out.push(...portCauses(svc));
  if (old?.spec.clusterIP && s.clusterIP !== old.spec.clusterIP)
    out.push(cause('spec.clusterIPs[0]', `Invalid value: "${s.clusterIP}": field is immutable`));
  return out;
}
