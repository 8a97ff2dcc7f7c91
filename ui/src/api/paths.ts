// API paths the dashboard uses, built in one place.

const enc = encodeURIComponent;

export const paths = {
  nodes: '/api/v1/nodes',
  node: (name: string) => `/api/v1/nodes/${enc(name)}`,
  nodeUsage: (name: string) => `/api/v1/nodes/${enc(name)}/usage`,
  pods: '/api/v1/pods',
  pod: (ns: string, name: string) => `/api/v1/namespaces/${enc(ns)}/pods/${enc(name)}`,
  podEviction: (ns: string, name: string) => `/api/v1/namespaces/${enc(ns)}/pods/${enc(name)}/eviction`,
  podLog: (ns: string, name: string) => `/api/v1/namespaces/${enc(ns)}/pods/${enc(name)}/log`,
  events: '/api/v1/events',
  deployments: '/apis/apps/v1/deployments',
  deployment: (ns: string, name: string) => `/apis/apps/v1/namespaces/${enc(ns)}/deployments/${enc(name)}`,
  deploymentScale: (ns: string, name: string) =>
    `/apis/apps/v1/namespaces/${enc(ns)}/deployments/${enc(name)}/scale`,
  daemonsets: '/apis/apps/v1/daemonsets',
  daemonset: (ns: string, name: string) => `/apis/apps/v1/namespaces/${enc(ns)}/daemonsets/${enc(name)}`,
  rollouts: '/apis/drover.io/v1alpha1/rollouts',
  rollout: (ns: string, name: string) =>
    `/apis/drover.io/v1alpha1/namespaces/${enc(ns)}/rollouts/${enc(name)}`,
};
