// Which EndpointSlices the EndpointSlice controller manages for a Service (its labels), shared
// by that controller and the endpoints controller that mirrors them. Both read a Service's
// slices through an index of the shared slice informer, not a scan of its namespace's slices.

import {
  type EndpointSlice,
  MANAGED_BY_CONTROLLER,
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
} from '../../../shared/api/service.js';
import type { IndexFunc } from '../../informers/indexer.js';
import type { Informer } from '../../informers/informer.js';

/** Managed slices by their Service, `namespace/name` (managedSliceServiceKey). */
export const INDEX_MANAGED_SLICES = 'managed-slices';

const byManagedService: IndexFunc<EndpointSlice> = (s) => {
  const key = managedSliceServiceKey(s);
  return key ? [key] : [];
};

/** Adds the index managedSlices reads (idempotent: the controllers share one informer). */
export function indexManagedSlices(slices: Informer<EndpointSlice>): void {
  slices.addIndex(INDEX_MANAGED_SLICES, byManagedService);
}

/** `namespace/service` of a slice the controller manages, or undefined for anyone else's. */
export function managedSliceServiceKey(s: EndpointSlice): string | undefined {
  const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_CONTROLLER
    ? `${s.metadata.namespace}/${svc}`
    : undefined;
}

/** The controller's slices of Service ns/name (indexManagedSlices first). */
export function managedSlices(slices: Informer<EndpointSlice>, ns: string, name: string): EndpointSlice[] {
  return slices.byIndex(INDEX_MANAGED_SLICES, `${ns}/${name}`);
}
