// Known fields of the apps/v1 kinds for strict decoding. The pod template reuses the Pod's
// spec schema, so an unknown field deep in a Deployment's containers is refused with its path.

import { arr, bool, int, intOrStr, kindSchema, labelSelector, obj, objectMeta, str } from '../schema.js';
import { podSpecSchema } from './pod-schema.js';

export const podTemplateSpecSchema = obj({ metadata: objectMeta, spec: podSpecSchema });

const appsCondition = obj({
  type: str,
  status: str,
  lastUpdateTime: str,
  lastTransitionTime: str,
  reason: str,
  message: str,
});

export const deploymentSchema = kindSchema({
  spec: obj({
    replicas: int,
    selector: labelSelector,
    template: podTemplateSpecSchema,
    strategy: obj({ type: str, rollingUpdate: obj({ maxUnavailable: intOrStr, maxSurge: intOrStr }) }),
    minReadySeconds: int,
    revisionHistoryLimit: int,
    paused: bool,
    progressDeadlineSeconds: int,
  }),
  status: obj({
    observedGeneration: int,
    replicas: int,
    updatedReplicas: int,
    readyReplicas: int,
    availableReplicas: int,
    unavailableReplicas: int,
    terminatingReplicas: int,
    conditions: arr(appsCondition),
    collisionCount: int,
  }),
});

/** A ReplicaSet's status; a ReplicationController's has the same fields. */
export const replicaSetStatusSchema = obj({
  replicas: int,
  fullyLabeledReplicas: int,
  readyReplicas: int,
  availableReplicas: int,
  terminatingReplicas: int,
  observedGeneration: int,
  conditions: arr(appsCondition),
});

export const replicaSetSchema = kindSchema({
  spec: obj({
    replicas: int,
    minReadySeconds: int,
    selector: labelSelector,
    template: podTemplateSpecSchema,
  }),
  status: replicaSetStatusSchema,
});

export const daemonSetSchema = kindSchema({
  spec: obj({
    selector: labelSelector,
    template: podTemplateSpecSchema,
    updateStrategy: obj({ type: str, rollingUpdate: obj({ maxUnavailable: intOrStr, maxSurge: intOrStr }) }),
    minReadySeconds: int,
    revisionHistoryLimit: int,
  }),
  status: obj({
    currentNumberScheduled: int,
    numberMisscheduled: int,
    desiredNumberScheduled: int,
    numberReady: int,
    observedGeneration: int,
    updatedNumberScheduled: int,
    numberAvailable: int,
    numberUnavailable: int,
    collisionCount: int,
    conditions: arr(appsCondition),
    // drover.io/pre-pull's answer (shared/api/pre-pull.ts), not an upstream field.
    prePull: obj({ images: str, boards: int, pulled: int, failed: int }),
  }),
});

/** autoscaling/v1 Scale (the body of PUT .../scale). */
export const scaleSchema = kindSchema({
  spec: obj({ replicas: int }),
  status: obj({ replicas: int, selector: str }),
});
