// policy/v1 kinds: PodDisruptionBudget and the Eviction a client posts to pods/{name}/eviction.

import type { LabelSelector, ObjectMeta } from './types.js';

export interface PodDisruptionBudgetCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

export interface PodDisruptionBudget {
  apiVersion: 'policy/v1';
  kind: 'PodDisruptionBudget';
  metadata: ObjectMeta;
  spec: {
    /** Pods (count or "N%") that must stay available; exclusive with maxUnavailable. */
    minAvailable?: number | string;
    /** Pods (count or "N%") that may be unavailable; exclusive with minAvailable. */
    maxUnavailable?: number | string;
    selector?: LabelSelector;
    /** IfHealthyBudget (default) or AlwaysAllow: may a pod that is not Ready be evicted. */
    unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
  };
  status?: {
    observedGeneration?: number;
    /** Pods evicted by the API and not yet seen gone by the controller: name -> time. */
    disruptedPods?: Record<string, string>;
    disruptionsAllowed: number;
    currentHealthy: number;
    desiredHealthy: number;
    expectedPods: number;
    conditions?: PodDisruptionBudgetCondition[];
  };
}

export interface EvictionDeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  dryRun?: string[];
}

export interface Eviction {
  apiVersion?: string;
  kind?: 'Eviction';
  metadata?: ObjectMeta;
  deleteOptions?: EvictionDeleteOptions;
}
