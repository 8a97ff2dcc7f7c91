// networking.k8s.io/v1 Ingress: HTTP routes from hosts and paths to Services, for an ingress
// controller to carry out. Drover stores and validates them; it runs no ingress controller of
// its own (as a Kubernetes cluster without one), so status stays empty until one writes it.

import type { KubeObject } from './types.js';

export interface IngressServiceBackend {
  name: string;
  port?: { name?: string; number?: number };
}

export interface IngressBackend {
  service?: IngressServiceBackend;
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface HttpIngressPath {
  path?: string;
  pathType?: string;
  backend: IngressBackend;
}

export interface IngressRule {
  host?: string;
  http?: { paths: HttpIngressPath[] };
}

export interface Ingress extends KubeObject {
  spec: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: IngressRule[];
  };
  status?: {
    loadBalancer?: {
      ingress?: { ip?: string; hostname?: string; ports?: { port: number; protocol: string }[] }[];
    };
  };
}

/** Upstream's path types. */
export const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
