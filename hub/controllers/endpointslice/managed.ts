// Which EndpointSlices the EndpointSlice controller manages for a Service (its labels), shared
// by that controller and the endpoints controller that mirrors them.

import {
  type EndpointSlice,
  MANAGED_BY_CONTROLLER,
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
} from '../../../shared/api/service.js';
import type { Informer } from '../../informers/informer.js';

/** `namespace/service` of a slice the controller manages, or undefined for anyone else's. */
export function managedSliceServiceKey(s: EndpointSlice): string | undefined {
  const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_CONTROLLER
    ? `${s.metadata.namespace}/${svc}`
    : undefined;
}

/** The controller's slices of Service ns/name. */
export function managedSlices(slices: Informer<EndpointSlice>, ns: string, name: string): EndpointSlice[] {
  return slices.inNamespace(ns).filter((s) => managedSliceServiceKey(s) === `${ns}/${name}`);
}
