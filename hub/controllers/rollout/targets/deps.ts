// What the rollout targets read and write with: the controller's shared informers, its API
// client, and its pod deletions (tracked by expectations).

import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet } from '../../../../shared/api/apps.js';
import type { Rollout } from '../../../../shared/api/rollout.js';
import type { Node, Pod } from '../../../../shared/api/types.js';
import type { ApiClient } from '../../../api/client.js';
import type { Informer } from '../../../informers/informer.js';

export interface TargetDeps {
  client: ApiClient;
  nodes: Informer<Node>;
  pods: Informer<Pod>;
  daemonSets: Informer<DaemonSet>;
  deployments: Informer<Deployment>;
  replicaSets: Informer<ReplicaSet>;
  revisions: Informer<ControllerRevision>;
  /** Deletes pods, expecting their deletions. */
  /** nextImages: the replacement's images, announced on each pod first (pull before stop). */
  deletePods(ro: Rollout, pods: Pod[], why: string, nextImages?: string[]): Promise<void>;
  /** The informer has shown every deletion asked for by this rollout. */
  settled(ro: Rollout): boolean;
}

export const createdMs = (p: Pod) => Date.parse(p.metadata.creationTimestamp ?? '') || 0;

export function nodeReady(n: Node | undefined): boolean {
  return n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
