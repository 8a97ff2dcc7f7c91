// core/v1 ReplicationController: the ReplicaSet's predecessor, with an equality-only selector
// (a plain label map). Its controller is the ReplicaSet controller run for this kind, as
// upstream's replication manager is.

import type { PodTemplateSpec, ReplicaSet, ReplicaSetStatus } from './apps.js';
import type { KubeObject } from './types.js';

export interface ReplicationControllerSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: Record<string, string>;
  template?: PodTemplateSpec;
}

export interface ReplicationController extends KubeObject {
  kind: 'ReplicationController';
  spec: ReplicationControllerSpec;
  status?: ReplicaSetStatus;
}

/** A ReplicaSet, or another kind's object seen as one (its kind and apiVersion stay its own). */
export type ReplicaSetView = Omit<ReplicaSet, 'kind'> & { kind: string };

/** rc seen as a ReplicaSet: the selector map is a LabelSelector's matchLabels (validation requires the template). */
export function asReplicaSet(rc: ReplicationController): ReplicaSetView {
  return {
    ...rc,
    spec: {
      ...rc.spec,
      selector: { matchLabels: { ...(rc.spec.selector ?? {}) } },
      template: rc.spec.template ?? { spec: { containers: [] } },
    },
  };
}
