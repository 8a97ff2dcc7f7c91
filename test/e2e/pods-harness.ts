// Shared setup of the pods end-to-end files: one real hub process and a few real agents on
// the real Docker engine per file (unique node names, so files run in parallel), kubectl
// against the hub, manifests written to temp files, and removal of every container of the
// file's nodes (label io.drover.node) in the after hook, whatever happened.

import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Pod } from '../../shared/api/types.js';
import { getJson, nodeReady } from '../helpers/api.js';
import {
  type AgentProcess,
  type HubProcess,
  drover,
  killAll,
  kubectl,
  type RunResult,
  startAgentProcess,
  startHubProcess,
} from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

export const IMAGE = 'drover-test/busybox:1';
export const REGISTRY_IMAGE = '127.0.0.1:5000/drover-test/busybox:1';
export const LABEL_NODE = 'io.drover.node';
const LABEL_CONTAINER = 'io.drover.container.name';
/** The pod sandbox's container name (agent/runtime/labels.ts). */
const SANDBOX = 'POD';
export const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/** Every container (running or not) carrying the node's label; the pods' sandboxes when asked. */
export async function containersOf(node: string, opts: { withSandbox?: boolean } = {}) {
  // One label filter per call: docker ANDs several.
  const all = await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE}=${node}`] } });
  // A pod's sandbox (pause container, container name POD) is not one of its containers.
  return opts.withSandbox ? all : all.filter((c) => c.Labels['io.drover.container.name'] !== 'POD');
}

/** Every container of these nodes' agents, sandboxes included, force-removed. */
export async function removeContainersOf(...nodes: string[]): Promise<void> {
  for (const n of nodes)
    await Promise.all(
      (await containersOf(n, { withSandbox: true })).map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => {}),
      ),
    );
}

export interface NodeSpec {
  name: string;
  labels?: Record<string, string>;
}

export class Cluster {
  hub!: HubProcess;
  readonly agents: Record<string, AgentProcess> = {};
  private readonly dir = tempDir('drover-pods-e2e-');
  private manifests = 0;

  constructor(
    readonly nodes: NodeSpec[],
    /** Extra agent flags. */
    readonly agentArgs: string[] = [],
    /** Extra agent environment (e.g. DROVER_LOG_LEVEL). */
    readonly agentEnv: NodeJS.ProcessEnv = {},
    /** Extra hub flags. */
    readonly hubArgs: string[] = [],
  ) {}

  async start(): Promise<void> {
    await this.removeContainers();
    this.hub = await startHubProcess({
      args: ['--heartbeat-interval', '1s', '--node-grace', '5s', ...this.hubArgs],
    });
    for (const n of this.nodes) this.startAgent(n.name);
    for (const n of this.nodes)
      await waitFor(async () => (await nodeReady(this.hub.apiUrl, n.name)) === 'True', {
        timeoutMs: 20_000,
        what: `node ${n.name} Ready`,
      });
  }

  startAgent(name: string, opts: { withToken?: boolean; args?: string[] } = {}): AgentProcess {
    const spec = this.nodes.find((n) => n.name === name);
    const old = this.agents[name];
    this.agents[name] = startAgentProcess({
      hub: this.hub,
      name,
      dataDir: old?.dataDir,
      labels: spec?.labels,
      withToken: opts.withToken,
      args: ['--heartbeat-interval', '1s', ...this.agentArgs, ...(opts.args ?? [])],
      env: this.agentEnv,
    });
    return this.agents[name];
  }

  async stop(): Promise<void> {
    await killAll();
    await this.removeContainers();
    cleanupTempDirs();
  }

  /** Every container of this file's nodes, force-removed. */
  async removeContainers(): Promise<void> {
    await removeContainersOf(...this.nodes.map((n) => n.name));
  }

  k(args: string[], timeoutMs = 20_000): Promise<RunResult> {
    return kubectl(args, { kubeconfig: this.hub.kubeconfig, timeoutMs });
  }

  /**
   * A kubeconfig for `user` (a client certificate from `drover kubeconfig create`), bound to the
   * ClusterRole `role` in the default namespace; its path.
   */
  async userKubeconfig(user: string, role: string): Promise<string> {
    const kc = join(this.dir, `${user}.kubeconfig`);
    const r = await drover([
      'kubeconfig',
      'create',
      '--user',
      user,
      '--data-dir',
      this.hub.dataDir,
      '--out',
      kc,
    ]);
    if (r.code !== 0) throw new Error(`kubeconfig for ${user}: ${r.stderr}`);
    const b = await this.k([
      'create',
      'rolebinding',
      `${user}-${role}`,
      `--clusterrole=${role}`,
      `--user=${user}`,
    ]);
    if (b.code !== 0) throw new Error(`rolebinding for ${user}: ${b.stderr}`);
    return kc;
  }

  /** `kubectl apply -f <file with yaml>`. */
  apply(yaml: string): Promise<RunResult> {
    const f = join(this.dir, `m${++this.manifests}.yaml`);
    writeFileSync(f, yaml);
    return this.k(['apply', '-f', f]);
  }

  async pod(name: string, ns = 'default'): Promise<Pod> {
    return getJson<Pod>(this.hub.apiUrl, `/api/v1/namespaces/${ns}/pods/${name}`);
  }

  /** Polls the pod until pred holds; the error shows the pod and the agents' output tails. */
  async waitPod(name: string, pred: (p: Pod) => boolean, what: string, timeoutMs = 20_000): Promise<Pod> {
    let last: Pod | undefined;
    try {
      return await waitFor(
        async () => {
          last = await this.pod(name);
          return pred(last) ? last : undefined;
        },
        { timeoutMs, intervalMs: 200, what: `pod ${name}: ${what}` },
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\n--- pod ---\n${JSON.stringify(last?.status)}\n${this.tails()}`,
      );
    }
  }

  tails(): string {
    return Object.values(this.agents)
      .map((a) => `--- agent ${a.name} ---\n${a.output().slice(-3000)}`)
      .join('\n');
  }

  /** Containers (docker's view) of a pod on this file's nodes; its sandbox only when asked. */
  async containersOf(pod: string, opts: { withSandbox?: boolean } = {}): Promise<Docker.ContainerInfo[]> {
    return docker
      .listContainers({
        all: true,
        filters: { label: [`io.drover.pod.name=${pod}`] },
      })
      .then((l) =>
        l.filter(
          (c) =>
            this.nodes.some((n) => c.Labels[LABEL_NODE] === n.name) &&
            (opts.withSandbox || c.Labels[LABEL_CONTAINER] !== SANDBOX),
        ),
      );
  }
}

export const running = (p: Pod) => p.status?.phase === 'Running';
export const ready = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
export const restarts = (p: Pod) => p.status?.containerStatuses?.[0]?.restartCount ?? 0;

/** A TCP port free right now on 127.0.0.1 (for hostPort). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '0.0.0.0', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A single-container pod manifest. */
export function podYaml(o: {
  name: string;
  command: string;
  image?: string;
  pullPolicy?: string;
  grace?: number;
  extraContainer?: string;
  spec?: string;
  container?: string;
}): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${o.name}
spec:
  terminationGracePeriodSeconds: ${o.grace ?? 1}
${o.spec ?? ''}  containers:
  - name: main
    image: ${o.image ?? IMAGE}
    imagePullPolicy: ${o.pullPolicy ?? 'IfNotPresent'}
    command: ["sh", "-c", ${JSON.stringify(o.command)}]
${o.container ?? ''}${o.extraContainer ?? ''}`;
}
