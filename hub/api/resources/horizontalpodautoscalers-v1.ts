// autoscaling/v1 HorizontalPodAutoscaler, what kubectl 1.32's `kubectl autoscale` posts: a view
// of the v2 objects (the storage version). v1 holds one CPU utilization target; converting a
// v1 write keeps what only v2 expresses (other metrics, behavior) from the stored object,
// where upstream keeps them in annotations.

import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerV1,
  MetricSpec,
} from '../../../shared/api/autoscaling.js';
import type { KubeObject } from '../../../shared/api/types.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { int, kindSchema, obj, str } from '../schema.js';
import { horizontalpodautoscalers } from './horizontalpodautoscalers.js';

const isCpuUtilization = (m: MetricSpec) =>
  m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.type === 'Utilization';

export function hpaV1ToV2(
  v1: HorizontalPodAutoscalerV1,
  current?: HorizontalPodAutoscaler,
): HorizontalPodAutoscaler {
  const s = v1.spec ?? ({} as HorizontalPodAutoscalerV1['spec']);
  const kept = (current?.spec.metrics ?? []).filter((m) => !isCpuUtilization(m));
  const cpu: MetricSpec[] =
    s.targetCPUUtilizationPercentage !== undefined
      ? [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: s.targetCPUUtilizationPercentage },
            },
          },
        ]
      : [];
  const metrics = [...cpu, ...kept];
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: v1.metadata,
    spec: {
      scaleTargetRef: s.scaleTargetRef,
      ...(s.minReplicas !== undefined ? { minReplicas: s.minReplicas } : {}),
      maxReplicas: s.maxReplicas,
      ...(metrics.length ? { metrics } : {}),
      ...(current?.spec.behavior ? { behavior: current.spec.behavior } : {}),
    },
    ...(current?.status ? { status: current.status } : {}),
  };
}

export function hpaV2ToV1(v2: HorizontalPodAutoscaler): HorizontalPodAutoscalerV1 {
  const target = v2.spec.metrics?.find(isCpuUtilization)?.resource?.target.averageUtilization;
  const st = v2.status ?? {};
  const current = st.currentMetrics?.find((m) => m.resource?.name === 'cpu')?.resource?.current
    .averageUtilization;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: v2.metadata,
    spec: {
      scaleTargetRef: v2.spec.scaleTargetRef,
      ...(v2.spec.minReplicas !== undefined ? { minReplicas: v2.spec.minReplicas } : {}),
      maxReplicas: v2.spec.maxReplicas,
      ...(target !== undefined ? { targetCPUUtilizationPercentage: target } : {}),
    },
    status: {
      ...(st.observedGeneration !== undefined ? { observedGeneration: st.observedGeneration } : {}),
      ...(st.lastScaleTime ? { lastScaleTime: st.lastScaleTime } : {}),
      currentReplicas: st.currentReplicas ?? 0,
      desiredReplicas: st.desiredReplicas ?? 0,
      ...(current !== undefined ? { currentCPUUtilizationPercentage: current } : {}),
    },
  };
}

export const horizontalpodautoscalersV1: ResourceDef<HorizontalPodAutoscalerV1> = {
  group: 'autoscaling',
  version: 'v1',
  resource: 'horizontalpodautoscalers',
  kind: 'HorizontalPodAutoscaler',
  singular: 'horizontalpodautoscaler',
  shortNames: ['hpa'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  schema: kindSchema({
    spec: obj({
      scaleTargetRef: obj({ kind: str, name: str, apiVersion: str }),
      minReplicas: int,
      maxReplicas: int,
      targetCPUUtilizationPercentage: int,
    }),
    status: obj({
      observedGeneration: int,
      lastScaleTime: str,
      currentReplicas: int,
      desiredReplicas: int,
      currentCPUUtilizationPercentage: int,
    }),
  }),
  convert: {
    storage: horizontalpodautoscalers as unknown as ResourceDef,
    toStorage: (o: KubeObject, current?: KubeObject) =>
      hpaV1ToV2(o as HorizontalPodAutoscalerV1, current as HorizontalPodAutoscaler | undefined),
    fromStorage: (o: KubeObject) => hpaV2ToV1(o as HorizontalPodAutoscaler),
  },
};
