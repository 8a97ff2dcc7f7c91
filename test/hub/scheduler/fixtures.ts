// Builders for scheduler tests: nodes and pods with just the fields a case needs.

import type {
  Affinity,
  Container,
  ContainerImage,
  Node,
  Pod,
  Taint,
  Toleration,
} from '../../../shared/api/types.js';
import type { CycleContext, NodeInfo } from '../../../hub/scheduler/framework.js';
import { createPodInfo } from '../../../hub/scheduler/resources.js';
import { ClusterSnapshot } from '../../../hub/scheduler/snapshot.js';

export interface NodeSpecLite {
  name: string;
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  ready?: 'True' | 'False' | 'Unknown' | 'absent';
  unschedulable?: boolean;
  images?: ContainerImage[];
  arch?: string;
}

export function node(s: NodeSpecLite): Node {
  const allocatable: Record<string, string> = { cpu: s.cpu ?? '4', memory: s.memory ?? '8Gi' };
  if (s.pods) allocatable.pods = s.pods;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: s.name, labels: s.labels },
    spec: { taints: s.taints, unschedulable: s.unschedulable },
    status: {
      allocatable,
      capacity: allocatable,
      conditions: s.ready === 'absent' ? [] : [{ type: 'Ready', status: s.ready ?? 'True' }],
      images: s.images,
      ...(s.arch
        ? {
            nodeInfo: {
              architecture: s.arch,
              operatingSystem: 'linux',
              machineID: '',
              systemUUID: '',
              bootID: '',
              kernelVersion: '',
              osImage: '',
              containerRuntimeVersion: '',
              kubeletVersion: '',
              kubeProxyVersion: '',
            },
          }
        : {}),
    },
  };
}

export interface PodSpecLite {
  name: string;
  namespace?: string;
  cpu?: string;
  memory?: string;
  containers?: Container[];
  initContainers?: Container[];
  image?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
}

export function pod(s: PodSpecLite): Pod {
  const requests: Record<string, string> = {};
  if (s.cpu) requests.cpu = s.cpu;
  if (s.memory) requests.memory = s.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: s.name,
      namespace: s.namespace ?? 'default',
      labels: s.labels,
      annotations: s.annotations,
    },
    spec: {
      containers: s.containers ?? [{ name: 'c', image: s.image ?? 'busybox', resources: { requests } }],
      initContainers: s.initContainers,
      nodeName: s.nodeName,
      nodeSelector: s.nodeSelector,
      affinity: s.affinity,
      tolerations: s.tolerations,
    },
  };
}

/** A snapshot with these nodes and these pods placed (pod.spec.nodeName says where). */
export function snapshotOf(nodes: Node[], pods: Pod[] = []): ClusterSnapshot {
  const snap = new ClusterSnapshot();
  for (const n of nodes) snap.upsertNode(n);
  for (const p of pods) snap.placePod(p, p.spec.nodeName ?? '');
  return snap;
}

export function ctxFor(p: Pod, snap: ClusterSnapshot): CycleContext {
  return { snapshot: snap, podInfo: createPodInfo(p), state: new Map() };
}

export function info(snap: ClusterSnapshot, name: string): NodeInfo {
  const n = snap.get(name);
  if (!n) throw new Error(`no node ${name} in snapshot`);
  return n;
}
