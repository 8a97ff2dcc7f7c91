// Fixtures for the workload-controller tests: hand-made ReplicaSets, Deployments and pods with
// ownerReferences (no ReplicaSet controller running), and kubectl against the test API.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '../../../hub/api/client.js';
import { RolloutController } from '../../../hub/controllers/rollout/controller.js';
import { EventRecorder } from '../../../hub/events/recorder.js';
import type { Deployment, ReplicaSet } from '../../../shared/api/apps.js';
import type { Rollout } from '../../../shared/api/rollout.js';
import type { KubeObject, Node, OwnerReference, Pod } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { node, type TestApi } from '../api/helpers.js';
import { waitFor } from './wait.js';

export function ownerRef(o: KubeObject, blockOwnerDeletion = true): OwnerReference {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: o.metadata.name ?? '',
    uid: o.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion,
  };
}

const template = (app: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

export function replicaSet(name: string, owners: OwnerReference[] = []): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', ...(owners.length ? { ownerReferences: owners } : {}) },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: template(name) },
  };
}

export function deployment(name: string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: template(name) },
  };
}

/** An unbound pod (deleted at once, no agent needed) owned by owners. */
export function pod(name: string, owners: OwnerReference[] = [], extra: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name }, ownerReferences: owners, ...extra },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
}

export async function exists(t: TestApi, resource: string, name: string, ns: string | undefined = 'default') {
  try {
    return await t.api.client.get<KubeObject>(resource, ns, name);
  } catch {
    return undefined;
  }
}

export function writeKubeconfig(t: TestApi): string {
  const p = join(t.dir, 'kubeconfig');
  writeFileSync(
    p,
    `apiVersion: v1
kind: Config
clusters: [{name: drover, cluster: {server: "${t.api.url}"}}]
users: [{name: u, user: {}}]
contexts: [{name: drover, context: {cluster: drover, user: u}}]
current-context: drover
`,
  );
  return p;
}

export function kubectl(
  kubeconfig: string,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      args,
      { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 60_000 },
      (e, out, err) => {
        resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err });
      },
    );
  });
}

/** Creates the nodes (test/hub/api/helpers node()), the first labelled ring=canary. */
export async function createRingNodes(t: TestApi, names: string[]): Promise<void> {
  for (const [i, name] of names.entries()) {
    const n = node(name) as unknown as Node;
    if (i === 0) n.metadata.labels = { ...n.metadata.labels, ring: 'canary' };
    await t.api.client.create<Node>('nodes', undefined, n);
  }
}

/** Fixture kubelet: marks a pod Running and Ready (status subresource). */
export async function markPodReady(t: TestApi, p: Pod): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await t.api.client.update<Pod>(
    'pods',
    p.metadata.namespace,
    {
      ...p,
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] },
    },
    'status',
  );
}

/**
 * Fixture kubelet of the rollout tests: reports a new daemon pod Running and Ready, or, for an
 * image named "bad", restarted once and never Ready (status subresource; a lost race is left
 * to the pod's next event).
 */
export async function reportDaemonPod(client: ApiClient, p: Pod): Promise<void> {
  if (p.metadata.deletionTimestamp || p.status?.phase === 'Running') return;
  const bad = p.spec.containers[0].image === 'bad';
  const now = new Date().toISOString();
  await client
    .update<Pod>(
      'pods',
      p.metadata.namespace,
      {
        ...p,
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: bad ? 'False' : 'True', lastTransitionTime: now }],
          containerStatuses: [
            {
              name: 'c',
              ready: !bad,
              restartCount: bad ? 1 : 0,
              image: p.spec.containers[0].image ?? '',
              imageID: '',
            },
          ],
        },
      },
      'status',
    )
    .catch(() => {});
}

/** default/name in phase for its current spec, its stable revision other than notStable (a Completed of an earlier rollout). */
export function waitRolloutPhase(
  client: ApiClient,
  name: string,
  phase: string,
  notStable?: string,
  timeoutMs = 10_000,
): Promise<Rollout> {
  return waitFor(
    `rollout ${phase}`,
    async () => {
      const r = await client.get<Rollout>('rollouts', 'default', name);
      const st = r.status;
      return st?.phase === phase &&
        (st.observedGeneration ?? 0) >= (r.metadata.generation ?? 0) &&
        (notStable === undefined || st.stableRevision !== notStable)
        ? r
        : undefined;
    },
    timeoutMs,
  );
}

/** The Rollout controller on client, with an event recorder, started. */
export async function startRolloutController(client: ApiClient): Promise<RolloutController> {
  const log = createLogger('rollout', 40);
  const ro = new RolloutController({
    client,
    log,
    recorder: new EventRecorder({ client, component: 'rollout-controller', log }),
  });
  await ro.start();
  return ro;
}
