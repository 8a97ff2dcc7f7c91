// discovery.k8s.io/v1 EndpointSlice: the addresses behind a Service, written by
// hub/controllers/endpointslice.ts (or by hand for a Service without a selector), validated
// with upstream's bounds, printed as kubectl prints it.

import type { EndpointSlice } from '../../../shared/api/service.js';
import type { StatusCause } from '../../../shared/api/types.js';
import { isDns1123Label, isValidPortNum } from '../../../shared/api/validation.js';
import { isIP } from 'node:net';
import { cause, notSupported } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { arr, bool, int, kindSchema, obj, objectReference, str, strArr, strMap } from '../schema.js';
import { age, ageColumn, col, nameColumn } from '../table.js';

/** Upstream bounds: endpoints per slice, addresses per endpoint, ports per slice. */
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20_000;
const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'];

const sliceSchema = kindSchema({
  addressType: str,
  endpoints: arr(
    obj({
      addresses: strArr,
      conditions: obj({ ready: bool, serving: bool, terminating: bool }),
      hostname: str,
      nodeName: str,
      zone: str,
      targetRef: objectReference,
      deprecatedTopology: strMap,
      hints: obj({ forZones: arr(obj({ name: str })), forNodes: arr(obj({ name: str })) }),
    }),
  ),
  ports: arr(obj({ name: str, protocol: str, port: int, appProtocol: str })),
});

function validateSlice(s: EndpointSlice, old?: EndpointSlice): StatusCause[] {
  const out: StatusCause[] = [];
  if (!ADDRESS_TYPES.includes(s.addressType))
    out.push(notSupported('addressType', s.addressType, ['FQDN', 'IPv4', 'IPv6']));
  if (old && old.addressType !== s.addressType)
    out.push(cause('addressType', 'Invalid value: field is immutable'));
  const eps = s.endpoints ?? [];
  if (eps.length > MAX_ENDPOINTS)
    out.push(
      cause(
        'endpoints',
        `Too many: ${eps.length}: must have at most ${MAX_ENDPOINTS} items`,
        'FieldValueTooMany',
      ),
    );
  for (const [i, e] of eps.entries()) {
    const a = e.addresses ?? [];
    if (a.length < 1 || a.length > MAX_ADDRESSES)
      out.push(
        cause(
          `endpoints[${i}].addresses`,
          `Invalid value: must have at least 1 and at most ${MAX_ADDRESSES} items`,
        ),
      );
    const family = s.addressType === 'IPv4' ? 4 : s.addressType === 'IPv6' ? 6 : 0;
    for (const [j, ip] of a.entries())
      if (family && isIP(ip) !== family)
        out.push(
          cause(
            `endpoints[${i}].addresses[${j}]`,
            `Invalid value: "${ip}": must be a valid ${s.addressType} address`,
          ),
        );
  }
  const ports = s.ports ?? [];
  if (ports.length > MAX_PORTS) out.push(cause('ports', `Too many: ${ports.length}`, 'FieldValueTooMany'));
  const names = new Set<string>();
  for (const [i, p] of ports.entries()) {
    const name = p.name ?? '';
    if (names.has(name))
      out.push(cause(`ports[${i}].name`, `Duplicate value: "${name}"`, 'FieldValueDuplicate'));
    names.add(name);
    if (name)
      for (const m of isDns1123Label(name))
        out.push(cause(`ports[${i}].name`, `Invalid value: "${name}": ${m}`));
    if (p.port !== undefined)
      for (const m of isValidPortNum(p.port))
        out.push(cause(`ports[${i}].port`, `Invalid value: ${p.port}: ${m}`));
  }
  return out;
}

/** kubectl's ENDPOINTS cell: up to 3 addresses, then "+ N more...". */
export function endpointsCell(s: EndpointSlice): string {
  const all = (s.endpoints ?? []).flatMap((e) => e.addresses);
  if (all.length === 0) return '<unset>';
  const shown = all.slice(0, 3).join(',');
  return all.length > 3 ? `${shown} + ${all.length - 3} more...` : shown;
}

export const endpointslices: ResourceDef<EndpointSlice> = {
  group: 'discovery.k8s.io',
  version: 'v1',
  resource: 'endpointslices',
  kind: 'EndpointSlice',
  singular: 'endpointslice',
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  schema: sliceSchema,
  defaults(s) {
    s.endpoints ??= [];
    for (const p of s.ports ?? []) p.protocol ??= 'TCP';
  },
  validate: (s, old) => validateSlice(s, old),
  table: {
    columns: [
      nameColumn,
      col('AddressType', 'string', 'The type of address held by the slice.'),
      col('Ports', 'string', 'The ports of the slice.'),
      col('Endpoints', 'string', 'The addresses of the slice.'),
      ageColumn,
    ],
    cells: (s, now) => [
      s.metadata.name,
      s.addressType,
      (s.ports ?? []).map((p) => (p.port === undefined ? '<unset>' : String(p.port))).join(',') || '<unset>',
      endpointsCell(s),
      age(s.metadata.creationTimestamp, now),
    ],
  },
};
