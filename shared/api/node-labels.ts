// The labels a node may set on its own Node: Kubernetes' NodeRestriction allowlist for
// kubelets (plugin/pkg/admission/noderestriction, kubelet --node-labels) plus Drover's board
// facts under drover.io/. Every other label of a Node is the API's (admins), never a board's.

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ARCH = 'kubernetes.io/arch';
export const LABEL_OS = 'kubernetes.io/os';

/** Prefix for what a board says about itself (`drover.io/board=pi4`, `drover.io/zone=lab`). */
export const BOARD_LABEL_PREFIX = 'drover.io/';

/** Labels whose value the hub sets from what it knows of the node, whatever the agent says. */
export const HUB_OWNED_LABELS = [LABEL_HOSTNAME, LABEL_ARCH, LABEL_OS] as const;

const ALLOWED_KEYS = new Set<string>([
  LABEL_HOSTNAME,
  LABEL_ARCH,
  LABEL_OS,
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'node.kubernetes.io/instance-type',
]);

const ALLOWED_PREFIXES = ['kubelet.kubernetes.io/', 'node.kubernetes.io/', BOARD_LABEL_PREFIX];

/** Whether an agent may set this label key on its own Node. */
export function isAgentLabelKey(key: string): boolean {
  return ALLOWED_KEYS.has(key) || ALLOWED_PREFIXES.some((p) => key.startsWith(p));
}
