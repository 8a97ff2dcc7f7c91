// What a user can do from the dashboard, each as the API call kubectl makes for it.

import { ROLLOUT_ACTION_SPEC, type RolloutAction } from '../../../shared/api/rollout-progress.js';
import type { Node, Pod } from '../../../shared/api/types.js';
import { getJson, mergePatch, request } from './client.js';
import { paths } from './paths.js';

/** kubectl rollout restart: a new template annotation makes a new revision. */
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

export function scaleDeployment(ns: string, name: string, replicas: number): Promise<unknown> {
  return mergePatch(paths.deploymentScale(ns, name), { spec: { replicas } });
}

export function restartWorkload(
  kind: 'Deployment' | 'DaemonSet',
  ns: string,
  name: string,
): Promise<unknown> {
  const path = kind === 'Deployment' ? paths.deployment(ns, name) : paths.daemonset(ns, name);
  return mergePatch(path, {
    spec: { template: { metadata: { annotations: { [RESTARTED_AT]: new Date().toISOString() } } } },
  });
}

/** kubectl rollout pause / resume. */
export function setPaused(ns: string, name: string, paused: boolean): Promise<unknown> {
  return mergePatch(paths.deployment(ns, name), { spec: { paused } });
}

/** drover rollout pause|resume|abort: the same spec patch as the CLI. */
export function rolloutAction(ns: string, name: string, action: RolloutAction): Promise<unknown> {
  return mergePatch(paths.rollout(ns, name), { spec: ROLLOUT_ACTION_SPEC[action] });
}

/** kubectl cordon / uncordon. */
export function setCordoned(node: string, unschedulable: boolean): Promise<Node> {
  return mergePatch<Node>(paths.node(node), { spec: { unschedulable } });
}

/**
 * kubectl drain: cordon, then evict the node's pods except DaemonSet pods (their controller
 * would put them back; kubectl skips them with --ignore-daemonsets). Evictions go through the
 * eviction subresource, so PodDisruptionBudgets hold: a 429 (budget spent) fails the drain with
 * the hub's message, as kubectl drain reports it. Returns the pods evicted.
 */
export async function drain(node: string): Promise<string[]> {
  await setCordoned(node, true);
  const list = await getJson<{ items: Pod[] }>(
    `${paths.pods}?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`,
  );
  const victims = list.items.filter(
    (p) => !p.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.controller),
  );
  await Promise.all(
    victims.map((p) => {
      const ns = p.metadata.namespace ?? 'default';
      const name = p.metadata.name ?? '';
      return request(paths.podEviction(ns, name), {
        method: 'POST',
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } },
      });
    }),
  );
  return victims.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
}
