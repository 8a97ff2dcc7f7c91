// Pods for the agent benchmarks: manifests on the local test image (busybox `sleep` and
// `httpd`, image already present, never pulled), waiting for them to run, and removing what a
// benchmark's agents left in Docker.

import { execFile } from 'node:child_process';
import type { ApiClient } from '../../hub/api/client.js';
import type { Pod } from '../../shared/api/types.js';

/** Built locally by scripts/test-env.sh. */
export const BENCH_IMAGE = 'drover-test/busybox:1';
export const BENCH_NAMESPACE = 'default';

export type BenchPodKind = 'sleep' | 'httpd';

/** A one-container pod; nodeName binds it directly (no scheduler), else the scheduler binds it. */
export function benchPod(name: string, kind: BenchPodKind, nodeName?: string): Pod {
  const command = kind === 'sleep' ? ['sleep', '86400'] : ['httpd', '-f', '-p', '8080', '-h', '/www'];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: BENCH_NAMESPACE, labels: { app: 'drover-bench', kind } },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 1,
      containers: [{ name: kind, image: BENCH_IMAGE, imagePullPolicy: 'Never', command }],
    },
  };
}

export class PodsNotRunningError extends Error {
  override name = 'PodsNotRunningError';
}

/** Polls until every named pod has status.phase Running; throws with their phases at the deadline. */
export async function waitPodsRunning(
  client: ApiClient,
  names: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await client.list<Pod>('pods', BENCH_NAMESPACE, { labelSelector: 'app=drover-bench' });
    const phase = new Map(list.items.map((p) => [p.metadata.name, p.status?.phase ?? 'Pending']));
    const notRunning = names.filter((n) => phase.get(n) !== 'Running');
    if (notRunning.length === 0) return;
    if (Date.now() > deadline)
      throw new PodsNotRunningError(
        `${notRunning.length}/${names.length} pods not Running after ${timeoutMs} ms: ${notRunning
          .slice(0, 5)
          .map((n) => `${n}=${phase.get(n) ?? 'absent'}`)
          .join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `docker rm -f` every container a node's agent created (label io.drover.node). */
export function removeNodeContainers(node: string): Promise<void> {
  return new Promise((resolve) => {
    execFile('docker', ['ps', '-aq', '--filter', `label=io.drover.node=${node}`], (err, out) => {
      const ids = err ? [] : String(out).split('\n').filter(Boolean);
      if (ids.length === 0) return resolve();
      execFile('docker', ['rm', '-f', ...ids], () => resolve());
    });
  });
}
