// networking.k8s.io/v1 Ingress, stored and validated with upstream's rules
// (pkg/apis/networking/validation): routes wait for an ingress controller, as on a Kubernetes
// cluster without one; Drover runs none. kubectl's columns.

import { isIP } from 'node:net';
import {
  type HttpIngressPath,
  type Ingress,
  type IngressBackend,
  PATH_TYPES,
} from '../../../shared/api/ingress.js';
import type { StatusCause } from '../../../shared/api/types.js';
import { isDns1123Subdomain, isValidPortName, isValidPortNum } from '../../../shared/api/validation.js';
import { cause, notSupported } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { arr, int, kindSchema, obj, str, strArr } from '../schema.js';
import { age, ageColumn, col, nameColumn } from '../table.js';

const backend = obj({
  service: obj({ name: str, port: obj({ name: str, number: int }) }),
  resource: obj({ apiGroup: str, kind: str, name: str }),
});

function validateBackend(b: IngressBackend, f: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (b.service && b.resource)
    out.push(cause(f, 'Invalid value: cannot set both resource and service backends'));
  else if (!b.service && !b.resource)
    out.push(cause(f, 'Required value: resource or service backend is required'));
  if (b.service) {
    for (const m of isDns1123Subdomain(b.service.name ?? ''))
      out.push(cause(`${f}.service.name`, `Invalid value: "${b.service.name ?? ''}": ${m}`));
    const p = b.service.port ?? {};
    if (p.name !== undefined && p.number !== undefined)
      out.push(cause(`${f}.service.port`, 'Invalid value: cannot set both port name & port number'));
    else if (p.name !== undefined)
      for (const m of isValidPortName(p.name))
        out.push(cause(`${f}.service.port.name`, `Invalid value: "${p.name}": ${m}`));
    else if (p.number !== undefined)
      for (const m of isValidPortNum(p.number))
        out.push(cause(`${f}.service.port.number`, `Invalid value: ${p.number}: ${m}`));
    else out.push(cause(`${f}.service.port`, 'Required value: port name or number is required'));
  }
  if (b.resource && (!b.resource.kind || !b.resource.name))
    out.push(cause(`${f}.resource`, 'Required value: kind and name are required'));
  return out;
}

function validatePath(p: HttpIngressPath, f: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (p.pathType === undefined)
    out.push(cause(`${f}.pathType`, 'Required value: pathType must be specified'));
  else if (!PATH_TYPES.includes(p.pathType))
    out.push(notSupported(`${f}.pathType`, p.pathType, ['Exact', 'ImplementationSpecific', 'Prefix']));
  if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (!p.path?.startsWith('/'))
      out.push(cause(`${f}.path`, `Invalid value: "${p.path ?? ''}": must be an absolute path`));
    else if (p.path.includes('//'))
      out.push(cause(`${f}.path`, `Invalid value: "${p.path}": must not contain '//'`));
  }
  return [...out, ...validateBackend(p.backend ?? {}, `${f}.backend`)];
}

/** A rule's host: a DNS subdomain, a leading "*." wildcard allowed, never an IP. */
function validateHost(host: string, f: string): StatusCause[] {
  if (isIP(host)) return [cause(f, `Invalid value: "${host}": must be a DNS name, not an IP address`)];
  const name = host.startsWith('*.') ? host.slice(2) : host;
  return isDns1123Subdomain(name).map((m) => cause(f, `Invalid value: "${host}": ${m}`));
}

function validateIngress(ing: Ingress): StatusCause[] {
  const s = ing.spec ?? {};
  const out: StatusCause[] = [];
  if (!s.defaultBackend && !(s.rules ?? []).length)
    out.push(cause('spec', 'Invalid value: either `defaultBackend` or `rules` must be specified'));
  if (s.defaultBackend) out.push(...validateBackend(s.defaultBackend, 'spec.defaultBackend'));
  for (const [i, r] of (s.rules ?? []).entries()) {
    if (r.host) out.push(...validateHost(r.host, `spec.rules[${i}].host`));
    if (r.http && !(r.http.paths ?? []).length)
      out.push(cause(`spec.rules[${i}].http.paths`, 'Required value'));
    for (const [j, p] of (r.http?.paths ?? []).entries())
      out.push(...validatePath(p, `spec.rules[${i}].http.paths[${j}]`));
  }
  for (const [i, t] of (s.tls ?? []).entries())
    for (const [j, h] of (t.hosts ?? []).entries())
      out.push(...validateHost(h, `spec.tls[${i}].hosts[${j}]`));
  if (s.ingressClassName !== undefined)
    for (const m of isDns1123Subdomain(s.ingressClassName))
      out.push(cause('spec.ingressClassName', `Invalid value: "${s.ingressClassName}": ${m}`));
  return out;
}

export const ingresses: ResourceDef<Ingress> = {
  group: 'networking.k8s.io',
  version: 'v1',
  resource: 'ingresses',
  kind: 'Ingress',
  singular: 'ingress',
  shortNames: ['ing'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status'],
  schema: kindSchema({
    spec: obj({
      ingressClassName: str,
      defaultBackend: backend,
      tls: arr(obj({ hosts: strArr, secretName: str })),
      rules: arr(
        obj({
          host: str,
          http: obj({ paths: arr(obj({ path: str, pathType: str, backend })) }),
        }),
      ),
    }),
    status: obj({
      loadBalancer: obj({
        ingress: arr(
          obj({ ip: str, hostname: str, ports: arr(obj({ port: int, protocol: str, error: str })) }),
        ),
      }),
    }),
  }),
  defaults(ing) {
    ing.spec ??= {};
  },
  prepareCreate(ing) {
    delete ing.status;
  },
  validate: (ing) => validateIngress(ing),
  table: {
    columns: [
      nameColumn,
      col('Class', 'string', 'The name of the IngressClass resource'),
      col('Hosts', 'string', 'Hosts that incoming requests are matched against'),
      col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
      col('Ports', 'string', 'Ports of TLS configurations that open'),
      ageColumn,
    ],
    cells: (ing, now) => [
      ing.metadata.name,
      ing.spec.ingressClassName ?? '<none>',
      (ing.spec.rules ?? []).map((r) => r.host || '*').join(',') || '*',
      (ing.status?.loadBalancer?.ingress ?? []).map((a) => a.ip || a.hostname).join(','),
      ing.spec.tls?.length ? '80, 443' : '80',
      age(ing.metadata.creationTimestamp, now),
    ],
  },
};
