// core/v1 Endpoints: the addresses behind a Service in the legacy shape (subsets of addresses
// and ports) that older clients and kubectl's default prune allowlist still name. Drover derives
// them from the Service's EndpointSlices (hub/controllers/endpoints.ts); slices stay the source.

import type { KubeObject, ObjectReference } from './types.js';

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointsPort {
  name?: string;
  port: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointsPort[];
}

export interface Endpoints extends KubeObject {
  subsets?: EndpointSubset[];
}

/** Upstream's cap on the addresses of one Endpoints object, and the annotation set when cut. */
export const MAX_ENDPOINT_ADDRESSES = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
