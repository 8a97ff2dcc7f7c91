// Shared setup of the workloads end-to-end files, on top of the pods harness (pods-harness.ts):
// a cluster whose hub notices a silent node in 3 s, agents that may join later or run inside
// a network namespace, manifests for deployments, a pod watch that samples the ready and
// total counts at every event, and Docker-side counts of a workload's containers.

import { type ChildProcess, spawn } from 'node:child_process';
import { tempDir } from '../helpers/tmp.js';
import type { Deployment, ReplicaSet } from '../../shared/api/apps.js';
import type { KubeList, Pod, WatchEvent } from '../../shared/api/types.js';
import { getJson, nodeReady } from '../helpers/api.js';
import type { NetNs } from '../helpers/netns.js';
import { type AgentProcess, CLI, startHubProcess } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';
import { Cluster, docker, IMAGE, LABEL_NODE, type NodeSpec, ready } from './pods-harness.js';

/** Hub flags of the workloads files: a silent node is NotReady after 3 s. */
export const HUB_ARGS = ['--heartbeat-interval', '1s', '--node-grace', '3s'];

export class WorkloadCluster extends Cluster {
  /** Agents running inside a network namespace (not tracked by procs.ts). */
  private readonly nsAgents: ChildProcess[] = [];

  constructor(
    nodes: NodeSpec[],
    /** Nodes not started by start() (they join later through startAgent / startAgentInNetns). */
    readonly late: string[] = [],
    /** Extra agent flags (e.g. a shorter --crash-backoff-base). */
    agentArgs: string[] = [],
    /** Extra hub flags, after HUB_ARGS (e.g. a shorter --job-backoff-base). */
    hubArgs: string[] = [],
  ) {
    super(nodes, agentArgs, {}, hubArgs);
  }

  override async start(): Promise<void> {
    await this.removeContainers();
    this.hub = await startHubProcess({ args: [...HUB_ARGS, ...this.hubArgs] });
    const first = this.nodes.filter((n) => !this.late.includes(n.name));
    for (const n of first) this.startAgent(n.name);
    for (const n of first) await this.waitNode(n.name, 'True', 20_000);
  }

  override async stop(): Promise<void> {
    for (const p of this.nsAgents) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await Promise.all(
      this.nsAgents.map((p) =>
        p.exitCode === null && p.signalCode === null
          ? new Promise((r) => p.once('exit', r))
          : Promise.resolve(),
      ),
    );
    await super.stop();
  }

  async waitNode(name: string, status: 'True' | 'Unknown', timeoutMs = 20_000): Promise<void> {
    await waitFor(async () => (await nodeReady(this.hub.apiUrl, name)) === status, {
      timeoutMs,
      intervalMs: 100,
      what: `node ${name} Ready=${status}`,
    }).catch((e: Error) => {
      throw new Error(`${e.message}\n${this.tails()}`);
    });
  }

  /**
   * An agent inside `ns`, reaching the hub's broker at the namespace's host-side address
   * (the embedded broker listens on 0.0.0.0) and the Docker engine through its socket file.
   */
  startAgentInNetns(name: string, ns: NetNs): AgentProcess {
    const spec = this.nodes.find((n) => n.name === name);
    const dataDir = tempDir(`drover-agent-${name}-`);
    const hub = `mqtts://${ns.hostAddr}:${this.hub.mqttPort}`;
    const args = [
      CLI,
      'agent',
      '--hub',
      hub,
      '--name',
      name,
      '--data-dir',
      dataDir,
      '--token',
      this.hub.token,
      '--ca-hash',
      this.hub.caHash,
    ];
    if (spec?.labels)
      args.push(
        '--labels',
        Object.entries(spec.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      );
    args.push('--heartbeat-interval', '1s', ...this.agentArgs);
    const [cmd, argv] = ns.exec(process.execPath, args);
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.nsAgents.push(proc);
    let out = '';
    proc.stdout?.on('data', (d) => {
      out += d;
    });
    proc.stderr?.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | NodeJS.Signals | null>((r) =>
      proc.once('exit', (code, sig) => r(code ?? sig)),
    );
    const agent: AgentProcess = {
      proc,
      pid: proc.pid ?? 0,
      name,
      dataDir,
      output: () => out,
      exited,
      async stop(signal = 'SIGTERM') {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
        return exited;
      },
      async kill9() {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
        await exited;
      },
    };
    this.agents[name] = agent;
    return agent;
  }

  /** Pods in `default` matching a label selector (terminating ones included). */
  async pods(selector: string): Promise<Pod[]> {
    const l = await getJson<KubeList<Pod>>(
      this.hub.apiUrl,
      `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`,
    );
    return l.items;
  }

  async deployment(name: string): Promise<Deployment> {
    return getJson<Deployment>(this.hub.apiUrl, `/apis/apps/v1/namespaces/default/deployments/${name}`);
  }

  async replicaSets(selector: string): Promise<ReplicaSet[]> {
    const l = await getJson<KubeList<ReplicaSet>>(
      this.hub.apiUrl,
      `/apis/apps/v1/namespaces/default/replicasets?labelSelector=${encodeURIComponent(selector)}`,
    );
    return l.items;
  }

  /** Containers on this file's nodes whose pod name starts with `prefix` (docker's view). */
  async containersOfWorkload(prefix: string, opts: { running?: boolean } = {}) {
    const list = await docker.listContainers({ all: !opts.running });
    return list.filter(
      (c) =>
        this.nodes.some((n) => c.Labels[LABEL_NODE] === n.name) &&
        (c.Labels['io.drover.pod.name'] ?? '').startsWith(prefix) &&
        // The pods' sandboxes (pause containers) are not the workload's containers.
        c.Labels['io.drover.container.name'] !== 'POD',
    );
  }
}

/** Non-terminating pods that have not ended. */
export const active = (p: Pod) =>
  !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

export interface WatchSample {
  /** ms since the watch started. */
  atMs: number;
  /** Active pods (not terminating, not ended). */
  total: number;
  /** Active pods with Ready=True. */
  ready: number;
}

/**
 * A watch on pods of `default` matching `selector`, from a list's resourceVersion: after
 * every event, the active and ready counts are sampled (so a rollout is checked while it
 * runs, not after).
 */
export class PodWatch {
  readonly pods = new Map<string, Pod>();
  /** Every pod the watch ever showed, by uid, in its last state (deleted ones kept). */
  readonly ever = new Map<string, Pod>();
  readonly samples: WatchSample[] = [];
  private readonly abort = new AbortController();
  private readonly t0 = Date.now();
  private done?: Promise<void>;
  error?: Error;

  private constructor(private readonly selector: string) {}

  static async start(apiUrl: string, selector: string): Promise<PodWatch> {
    const w = new PodWatch(selector);
    const q = `labelSelector=${encodeURIComponent(selector)}`;
    const list = await getJson<KubeList<Pod>>(apiUrl, `/api/v1/namespaces/default/pods?${q}`);
    for (const p of list.items) {
      w.pods.set(p.metadata.uid ?? '', p);
      w.ever.set(p.metadata.uid ?? '', p);
    }
    w.sample();
    const res = await fetch(
      `${apiUrl}/api/v1/namespaces/default/pods?${q}&watch=1&resourceVersion=${list.metadata.resourceVersion}`,
      { signal: w.abort.signal },
    );
    if (!res.ok || !res.body) throw new Error(`watch pods ${selector}: ${res.status}`);
    w.done = w.read(res.body);
    return w;
  }

  private sample(): void {
    const act = [...this.pods.values()].filter(active);
    this.samples.push({ atMs: Date.now() - this.t0, total: act.length, ready: act.filter(ready).length });
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i = buf.indexOf('\n');
        while (i >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (line) this.onEvent(JSON.parse(line) as WatchEvent<Pod>);
          i = buf.indexOf('\n');
        }
      }
      if (!this.abort.signal.aborted) this.error = new Error(`pod watch ${this.selector} ended early`);
    } catch (e) {
      if (!this.abort.signal.aborted) this.error = e as Error;
    }
  }

  private onEvent(ev: WatchEvent<Pod>): void {
    if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') {
      if (ev.type === 'ERROR') this.error = new Error(`watch error: ${JSON.stringify(ev.object)}`);
      return;
    }
    const uid = ev.object.metadata.uid ?? '';
    this.ever.set(uid, ev.object);
    if (ev.type === 'DELETED') this.pods.delete(uid);
    else this.pods.set(uid, ev.object);
    this.sample();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

/** An apps/v1 Deployment manifest with a single busybox container. */
export function deploymentYaml(o: {
  name: string;
  replicas: number;
  command: string;
  image?: string;
  /** Extra lines under the pod template's spec (2-space indented at `    `). */
  podSpec?: string;
  /** Extra lines under the deployment's spec (indented at `  `). */
  spec?: string;
}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${o.name}
spec:
  replicas: ${o.replicas}
${o.spec ?? ''}  selector:
    matchLabels:
      app: ${o.name}
  template:
    metadata:
      labels:
        app: ${o.name}
    spec:
      terminationGracePeriodSeconds: 1
${o.podSpec ?? ''}      containers:
      - name: main
        image: ${o.image ?? IMAGE}
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", ${JSON.stringify(o.command)}]
`;
}

/**
 * An apps/v1 DaemonSet manifest with a single busybox container on the host network (fleet
 * daemons often run so; and a container start that fails on the shared engine's bridge, seen
 * while other suites create and remove networks, would count as a restart in a rollout gate).
 */
export function daemonSetYaml(o: { name: string; command: string; onDelete?: boolean }): string {
  return `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ${o.name}
spec:
  selector:
    matchLabels:
      app: ${o.name}
${o.onDelete ? '  updateStrategy:\n    type: OnDelete\n' : ''}  template:
    metadata:
      labels:
        app: ${o.name}
    spec:
      hostNetwork: true
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: ${IMAGE}
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", ${JSON.stringify(o.command)}]
`;
}

/** Pod template lines: tolerate the node-health NoExecute taints for `seconds`. */
export function healthTolerations(seconds: number): string {
  return `      tolerations:
      - key: node.kubernetes.io/unreachable
        operator: Exists
        effect: NoExecute
        tolerationSeconds: ${seconds}
      - key: node.kubernetes.io/not-ready
        operator: Exists
        effect: NoExecute
        tolerationSeconds: ${seconds}
`;
}
