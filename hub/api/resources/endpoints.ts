// core/v1 Endpoints, served read-only: hub/controllers/endpoints.ts mirrors each selector
// Service's EndpointSlices into them (as upstream's endpoints controller keeps them beside the
// slices), so clients that read Endpoints, and kubectl's default prune allowlist, which names
// this kind, find it. Writes are refused (405): Drover routes by EndpointSlices, so a hand-
// written Endpoints would route nothing; a Service without a selector takes hand-written
// EndpointSlices instead.

import type { Endpoints } from '../../../shared/api/endpoints.js';
import type { ResourceDef } from '../resource.js';
import { arr, int, kindSchema, obj, objectReference, str } from '../schema.js';
import { age, ageColumn, col, nameColumn } from '../table.js';

/** kubectl's printer shows at most this many ip:port pairs, then "+ N more...". */
const SHOWN = 3;

const address = obj({ ip: str, hostname: str, nodeName: str, targetRef: objectReference });

/** kubectl's ENDPOINTS cell: ip:port of ready addresses, per subset and port. */
export function endpointsList(e: Endpoints): string {
  const all: string[] = [];
  for (const s of e.subsets ?? [])
    for (const a of s.addresses ?? [])
      for (const p of s.ports?.length ? s.ports : [undefined]) all.push(p ? `${a.ip}:${p.port}` : a.ip);
  if (all.length === 0) return '<none>';
  const shown = all.slice(0, SHOWN).join(',');
  return all.length > SHOWN ? `${shown} + ${all.length - SHOWN} more...` : shown;
}

export const endpoints: ResourceDef<Endpoints> = {
  group: '',
  version: 'v1',
  resource: 'endpoints',
  kind: 'Endpoints',
  singular: 'endpoints',
  shortNames: ['ep'],
  namespaced: true,
  verbs: ['get', 'list', 'watch'],
  subresources: [],
  schema: kindSchema({
    subsets: arr(
      obj({
        addresses: arr(address),
        notReadyAddresses: arr(address),
        ports: arr(obj({ name: str, port: int, protocol: str, appProtocol: str })),
      }),
    ),
  }),
  table: {
    columns: [nameColumn, col('Endpoints', 'string', 'Endpoints of the service'), ageColumn],
    cells: (e, now) => [e.metadata.name, endpointsList(e), age(e.metadata.creationTimestamp, now)],
  },
};
