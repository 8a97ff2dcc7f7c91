// In-process fixture for the workload controller tests: a real SQLite store in a temp dir,
// the real API server (HTTP, for kubectl), the ReplicaSet and Deployment controllers, and a
// stand-in kubelet.
//
// FakeKubelet is a TEST FIXTURE for the controller logic only: no agent runs pods here, so it
// marks new pods Running/Ready through the pods status subresource, as an agent would report.
// The end-to-end tests with real agents on Docker come with the e2e suite.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient, ApiWatch } from '../../../hub/api/client.js';
import { isConflict, isNotFound } from '../../../hub/api/errors.js';
import { registerAppsSubresources } from '../../../hub/api/resources/apps-scale.js';
import { startWorkloadControllers, type WorkloadControllers } from '../../../hub/controllers/workloads.js';
import type { Pod } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { startApi, type TestApi } from '../api/helpers.js';

const rfc3339 = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface FakeKubeletOptions {
  /** Pods for which this returns false stay Pending (e.g. a bad image). Default: all ready. */
  readyIf?: (p: Pod) => boolean;
  /** Time from seeing a pod to marking it ready, ms (default 0). */
  delayMs?: number;
}

/** Marks Pending pods Running and Ready (see the file comment: a test stand-in for agents). */
export class FakeKubelet {
  private watch?: ApiWatch;
  private chain: Promise<void> = Promise.resolve();
  readyIf: (p: Pod) => boolean;
  delayMs: number;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly client: ApiClient,
    opts: FakeKubeletOptions = {},
  ) {
    this.readyIf = opts.readyIf ?? (() => true);
    this.delayMs = opts.delayMs ?? 0;
  }

  async start(): Promise<void> {
    this.watch = await this.client.watch<Pod>('pods', undefined, { sendInitialEvents: true }, (ev) => {
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
      const p = ev.object;
      if (p.metadata.deletionTimestamp || (p.status?.phase ?? 'Pending') !== 'Pending' || !this.readyIf(p))
        return;
      const go = () => {
        this.chain = this.chain.then(() => this.markReady(p.metadata.namespace ?? '', p.metadata.name ?? ''));
      };
      if (this.delayMs <= 0) return go();
      const t = setTimeout(() => {
        this.timers.delete(t);
        go();
      }, this.delayMs);
      this.timers.add(t);
    });
  }

  async markReady(ns: string, name: string): Promise<void> {
    for (;;) {
      try {
        const p = await this.client.get<Pod>('pods', ns, name);
        if (p.metadata.deletionTimestamp || p.status?.phase === 'Running' || !this.readyIf(p)) return;
        const now = rfc3339();
        p.status = {
          ...p.status,
          phase: 'Running',
          startTime: now,
          conditions: [
            { type: 'Initialized', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: 'True', lastTransitionTime: now },
            ...(p.status?.conditions ?? []).filter((c) => c.type === 'PodScheduled'),
          ],
          containerStatuses: p.spec.containers.map((c) => ({
            name: c.name,
            ready: true,
            started: true,
            restartCount: 0,
            image: c.image ?? '',
            imageID: '',
            state: { running: { startedAt: now } },
          })),
        };
        await this.client.update<Pod>('pods', ns, p, 'status');
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e)) throw e;
      }
    }
  }

  /** Sets the pod's Ready condition (phase Running) by hand. */
  async setReady(ns: string, name: string, ready: boolean): Promise<void> {
    const p = await this.client.get<Pod>('pods', ns, name);
    const now = rfc3339();
    p.status = {
      ...p.status,
      phase: 'Running',
      conditions: [
        ...(p.status?.conditions ?? []).filter((c) => c.type !== 'Ready'),
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
      ],
    };
    await this.client.update<Pod>('pods', ns, p, 'status');
  }

  async stop(): Promise<void> {
    this.watch?.close();
    for (const t of this.timers) clearTimeout(t);
    await this.chain.catch(() => undefined);
  }
}

export interface Fixture {
  t: TestApi;
  client: ApiClient;
  controllers: WorkloadControllers;
  kubelet: FakeKubelet;
  kubeconfig: string;
  kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }>;
  file(name: string, text: string): string;
  stop(): Promise<void>;
}

export async function startFixture(opts: FakeKubeletOptions = {}): Promise<Fixture> {
  const t = await startApi();
  registerAppsSubresources(t.api);
  const client = t.api.client;
  const kubelet = new FakeKubelet(client, opts);
  await kubelet.start();
  const controllers = await startWorkloadControllers({ client, log: createLogger('controllers', 40) });
  const kubeconfig = join(t.dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: drover, cluster: {server: "${t.api.url}"}}]
users: [{name: u, user: {}}]
contexts: [{name: drover, context: {cluster: drover, user: u, namespace: default}}]
current-context: drover
`,
  );
  return {
    t,
    client,
    controllers,
    kubelet,
    kubeconfig,
    kubectl: (...args) =>
      new Promise((resolve) => {
        execFile(
          'kubectl',
          args,
          { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: t.dir }, timeout: 60_000 },
          (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
        );
      }),
    file(name, text) {
      const p = join(t.dir, name);
      writeFileSync(p, text);
      return p;
    },
    async stop() {
      await controllers.stop();
      await kubelet.stop();
      await t.stop();
    },
  };
}
