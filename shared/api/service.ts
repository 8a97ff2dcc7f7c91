// core/v1 Service and discovery.k8s.io/v1 EndpointSlice: the fields Drover serves (the
// upstream types' subset a ClusterIP, NodePort or headless Service uses).

import type { KubeObject, ObjectReference } from './types.js';

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

export interface ServicePort {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  appProtocol?: string;
  port: number;
  /** A number or the name of a container port. */
  targetPort?: number | string;
  nodePort?: number;
}

export interface ServiceSpec {
  type?: ServiceType;
  selector?: Record<string, string>;
  ports?: ServicePort[];
  /** An address from the service range, or "None" (headless). */
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  sessionAffinity?: 'None' | 'ClientIP';
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  externalIPs?: string[];
  externalName?: string;
  publishNotReadyAddresses?: boolean;
}

export interface Service extends KubeObject {
  spec: ServiceSpec;
  status?: { loadBalancer?: Record<string, unknown> };
}

/** ClusterIP value of a headless Service. */
export const CLUSTER_IP_NONE = 'None';

/** Label of an EndpointSlice naming its Service (upstream LabelServiceName). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Label naming who manages a slice (upstream LabelManagedBy) and the controller's value. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY_CONTROLLER = 'endpointslice-controller.k8s.io';
/** Most endpoints in one slice (kube-controller-manager --max-endpoints-per-slice default). */
export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port?: number;
  appProtocol?: string;
}

export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: Endpoint[] | null;
  ports?: EndpointPort[] | null;
}
