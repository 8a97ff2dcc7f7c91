// A pod manager on the real Docker Engine for integration tests: collects its reports and
// events, and removes every container of the test's node afterwards.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { createPodManager, type PodManager } from '../../../agent/pods/manager.js';
import type { PodManagerOptions } from '../../../agent/pods/options.js';
import { DockerRuntime } from '../../../agent/runtime/docker.js';
import { LABEL_NODE } from '../../../agent/runtime/labels.js';
import type { ConfigMap, Container, Pod, PodStatus, Secret } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import type { AgentEvent } from '../../../shared/protocol/messages.js';
import { tempDir } from '../../helpers/tmp.js';

export const IMAGE = 'drover-test/busybox:1';
export const REGISTRY_IMAGE = '127.0.0.1:5000/drover-test/busybox:1';

export interface Report {
  ns: string;
  name: string;
  uid: string;
  status: PodStatus;
}

export class Harness {
  readonly runtime = new DockerRuntime();
  readonly reports: Report[] = [];
  readonly events: Omit<AgentEvent, 'v'>[] = [];
  private readonly managers: PodManager[] = [];
  private revision = 0;

  constructor(readonly node: string) {}

  /** A manager with its own data dir unless `dataDir` is given (restart/cache tests share one). */
  manager(over: Partial<PodManagerOptions> = {}): PodManager {
    const m = createPodManager({
      runtime: this.runtime,
      nodeName: this.node,
      dataDir: tempDir('drover-pods-'),
      log: createLogger(`pods-${this.node}`),
      report: (ns, name, uid, status) => this.reports.push({ ns, name, uid, status }),
      event: (ev) => this.events.push(ev),
      hostIP: '127.0.0.1',
      crashBackoff: { initialMs: 1000, maxMs: 8000 },
      imageBackoff: { initialMs: 1000, maxMs: 4000 },
      resyncIntervalMs: 2000,
      retryIntervalMs: 1000,
      ...over,
    });
    this.managers.push(m);
    return m;
  }

  desired(pods: Pod[], extra: { configMaps?: ConfigMap[]; secrets?: Secret[] } = {}) {
    return { v: 1, revision: ++this.revision, pods, ...extra };
  }

  /** The last status reported for the pod. */
  status(uid: string): PodStatus | undefined {
    for (let i = this.reports.length - 1; i >= 0; i--)
      if (this.reports[i].uid === uid) return this.reports[i].status;
    return undefined;
  }

  eventsOf(uid: string, reason?: string): Omit<AgentEvent, 'v'>[] {
    return this.events.filter((e) => e.involvedObject.uid === uid && (!reason || e.reason === reason));
  }

  containers() {
    return this.runtime.listContainers({ [LABEL_NODE]: this.node });
  }

  async cleanup(): Promise<void> {
    for (const m of this.managers.splice(0)) await m.stop();
    for (const c of await this.containers())
      await this.runtime.removeContainer(c.id, { force: true }).catch(() => {});
  }
}

export function makePod(name: string, containers: Container[], spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: randomUUID() },
    spec: { containers: containers.map((c) => ({ image: IMAGE, ...c })), ...spec },
  };
}

/** A free loopback TCP port (listen on 0, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export function uid(p: Pod): string {
  return p.metadata.uid ?? '';
}
