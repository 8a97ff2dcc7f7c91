// Every MQTT topic name Drover uses is built (and parsed) here, and nowhere else.
// Layout (all under drover/v1/):
//   join/{clientId}/request              agent -> hub   JoinRequest (bootstrap credential)
//   join/{clientId}/response             hub -> agent   JoinResponse
//   nodes/{node}/status                  agent -> hub   NodeStatusReport (QoS 1)
//   nodes/{node}/lease                   agent -> hub   Heartbeat (QoS 0)
//   nodes/{node}/will                    broker -> hub  Last will: the connection dropped
//   nodes/{node}/desired                 hub -> agent   DesiredState (retained, QoS 1)
//   nodes/{node}/pods/{ns}/{pod}/status  agent -> hub   PodStatusReport (QoS 1)
//   nodes/{node}/events                  agent -> hub   AgentEvent (QoS 1)
//   nodes/{node}/metrics                 agent -> hub   MetricsReport (QoS 0: the next one replaces it)
//   nodes/{node}/rpc/req/{id}            hub -> agent   RpcRequest
//   nodes/{node}/rpc/res/{id}            agent -> hub   RpcResponse chunks
//   nodes/{node}/agent/update            hub -> agent   AgentUpdateOrder (retained, QoS 1): the
//                                                       agent version this board should run
//   nodes/{node}/agent/bundle/get        agent -> hub   BundleRequest (QoS 1)
//   nodes/{node}/agent/bundle            hub -> agent   the bundle: a JSON header line, then its bytes
//   cluster/services                     hub -> agents  ServiceTable (retained, QoS 1): what every
//                                                       board's proxy serves (kube-proxy's view)

export const ROOT = 'drover/v1';

/** Node names follow Kubernetes DNS-1123 subdomain rules, so they never contain '/', '+' or '#'. */
const SEGMENT = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const CLIENT_SEGMENT = /^[A-Za-z0-9_-]{1,128}$/;

export function isValidTopicSegment(s: string): boolean {
  return s.length > 0 && s.length <= 253 && SEGMENT.test(s);
}

function seg(s: string, what: string): string {
  if (!isValidTopicSegment(s)) throw new Error(`invalid ${what} for a topic: ${JSON.stringify(s)}`);
  return s;
}

function clientSeg(s: string): string {
  if (!CLIENT_SEGMENT.test(s)) throw new Error(`invalid client id for a topic: ${JSON.stringify(s)}`);
  return s;
}

export const topics = {
  joinRequest: (clientId: string) => `${ROOT}/join/${clientSeg(clientId)}/request`,
  joinResponse: (clientId: string) => `${ROOT}/join/${clientSeg(clientId)}/response`,
  nodePrefix: (node: string) => `${ROOT}/nodes/${seg(node, 'node name')}/`,
  status: (node: string) => `${ROOT}/nodes/${seg(node, 'node name')}/status`,
  lease: (node: string) => `${ROOT}/nodes/${seg(node, 'node name')}/lease`,
  will: (node: string) => `${ROOT}/nodes/${seg(node, 'node name')}/will`,
  desired: (node: string) => `${ROOT}/nodes/${seg(node, 'node name')}/desired`,
  podStatus: (node: string, ns: string, pod: string) =>
    `${ROOT}/nodes/${seg(node, 'node name')}/pods/${seg(ns, 'namespace')}/${seg(pod, 'pod name')}/status`,
  events: (node: string) => `${ROOT}/nodes/${seg(node, 'node name')}/events`,
  metrics: (node: string) => `${ROOT}/nodes/${seg(node, 'node name')}/metrics`,
  rpcRequest: (node: string, id: string) =>
    `${ROOT}/nodes/${seg(node, 'node name')}/rpc/req/${clientSeg(id)}`,
  rpcResponse: (node: string, id: string) =>
    `${ROOT}/nodes/${seg(node, 'node name')}/rpc/res/${clientSeg(id)}`,
  agentUpdate: (node: string) => `${ROOT}/nodes/${seg(node, 'node name')}/agent/update`,
  bundleRequest: (node: string) => `${ROOT}/nodes/${seg(node, 'node name')}/agent/bundle/get`,
  bundle: (node: string) => `${ROOT}/nodes/${seg(node, 'node name')}/agent/bundle`,
  /** One message for the whole fleet: every board serves every Service (NodePort, ClusterIP). */
  services: `${ROOT}/cluster/services`,
};

/** Subscription filters. */
export const filters = {
  /** Hub: every agent -> hub message. */
  allJoinRequests: `${ROOT}/join/+/request`,
  allStatus: `${ROOT}/nodes/+/status`,
  allLeases: `${ROOT}/nodes/+/lease`,
  allWills: `${ROOT}/nodes/+/will`,
  allPodStatus: `${ROOT}/nodes/+/pods/+/+/status`,
  allEvents: `${ROOT}/nodes/+/events`,
  allMetrics: `${ROOT}/nodes/+/metrics`,
  allRpcResponses: `${ROOT}/nodes/+/rpc/res/+`,
  allBundleRequests: `${ROOT}/nodes/+/agent/bundle/get`,
  /** Agent: what the hub sends to one node. */
  nodeRpcRequests: (node: string) => `${ROOT}/nodes/${seg(node, 'node name')}/rpc/req/+`,
};

export type ParsedTopic =
  | { kind: 'joinRequest'; clientId: string }
  | { kind: 'joinResponse'; clientId: string }
  | { kind: 'status'; node: string }
  | { kind: 'lease'; node: string }
  | { kind: 'will'; node: string }
  | { kind: 'desired'; node: string }
  | { kind: 'podStatus'; node: string; namespace: string; pod: string }
  | { kind: 'events'; node: string }
  | { kind: 'metrics'; node: string }
  | { kind: 'rpcRequest'; node: string; id: string }
  | { kind: 'rpcResponse'; node: string; id: string }
  | { kind: 'agentUpdate'; node: string }
  | { kind: 'bundleRequest'; node: string }
  | { kind: 'bundle'; node: string }
  | { kind: 'services' };

const ROOT_PREFIX = `${ROOT}/`;

/** Parses a concrete topic name; undefined for anything not in the layout above. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  if (!topic.startsWith(ROOT_PREFIX)) return undefined;
  if (topic === topics.services) return { kind: 'services' };
  const p = topic.slice(ROOT_PREFIX.length).split('/');
  if (p[0] === 'join' && p.length === 3 && CLIENT_SEGMENT.test(p[1])) {
    if (p[2] === 'request') return { kind: 'joinRequest', clientId: p[1] };
    if (p[2] === 'response') return { kind: 'joinResponse', clientId: p[1] };
    return undefined;
  }
  if (p[0] !== 'nodes' || p.length < 3 || !isValidTopicSegment(p[1])) return undefined;
  const node = p[1];
  if (p.length === 3) {
    switch (p[2]) {
      case 'status':
      case 'lease':
      case 'will':
      case 'desired':
      case 'events':
      case 'metrics':
        return { kind: p[2], node };
      default:
        return undefined;
    }
  }
  if (
    p[2] === 'pods' &&
    p.length === 6 &&
    p[5] === 'status' &&
    isValidTopicSegment(p[3]) &&
    isValidTopicSegment(p[4])
  ) {
    return { kind: 'podStatus', node, namespace: p[3], pod: p[4] };
  }
  if (p[2] === 'agent') {
    const rest = p.slice(3).join('/');
    if (rest === 'update') return { kind: 'agentUpdate', node };
    if (rest === 'bundle') return { kind: 'bundle', node };
    if (rest === 'bundle/get') return { kind: 'bundleRequest', node };
    return undefined;
  }
  if (p[2] === 'rpc' && p.length === 5 && CLIENT_SEGMENT.test(p[4])) {
    if (p[3] === 'req') return { kind: 'rpcRequest', node, id: p[4] };
    if (p[3] === 'res') return { kind: 'rpcResponse', node, id: p[4] };
  }
  return undefined;
}

/** The kinds of topic an agent publishes to (agent -> hub direction only). */
const AGENT_PUBLISH_KINDS: ReadonlySet<ParsedTopic['kind']> = new Set([
  'status',
  'lease',
  'will',
  'podStatus',
  'events',
  'metrics',
  'rpcResponse',
  'bundleRequest',
]);

/** Topics a node's agent may publish to (agent -> hub direction only). Runs on every publish. */
export function agentMayPublish(node: string, topic: string): boolean {
  const t = parseTopic(topic);
  return !!t && 'node' in t && t.node === node && AGENT_PUBLISH_KINDS.has(t.kind);
}

/** Filters a node's agent may subscribe to (hub -> agent direction only, its own node). */
export function agentMaySubscribe(node: string, filter: string): boolean {
  if (filter === topics.desired(node)) return true;
  // The kube-proxy role reads all Services and EndpointSlices (system:node-proxier).
  if (filter === topics.services) return true;
  if (filter === filters.nodeRpcRequests(node)) return true;
  const t = parseTopic(filter);
  return (
    !!t &&
    'node' in t &&
    t.node === node &&
    ['desired', 'rpcRequest', 'agentUpdate', 'bundle'].includes(t.kind)
  );
}
