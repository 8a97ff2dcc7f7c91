// What the hub-kill-during-a-rollout chaos cases share: a RollingUpdate Deployment of hollow
// pods, followed through a pod informer from its creation, so that nothing done twice can hide:
// every pod uid ever seen (by template image) and every node each uid was ever bound to. The checks after the rollout are the same whichever hub
// died (one hub restarted on its data dir, or the leader of several hubs on NATS).

import * as assert from 'uvu/assert';
import type { HttpApiClient } from '../../hub/api/http-client.js';
import type { Informer } from '../../hub/informers/informer.js';
import type { Deployment, ReplicaSet } from '../../shared/api/apps.js';
import type { Pod } from '../../shared/api/types.js';
import { waitFor } from '../helpers/wait.js';

export const OLD_IMAGE = 'busybox:1';
export const NEW_IMAGE = 'busybox:2';
/** maxSurge and maxUnavailable of the Deployment, % of replicas. */
const SURGE_PERCENT = 25;

const imageOf = (p: Pod) => p.spec.containers[0]?.image;

export class RollingDeployment {
  /** Every pod uid ever seen, by template image. */
  readonly seen = new Map<string, Set<string>>([
    [OLD_IMAGE, new Set()],
    [NEW_IMAGE, new Set()],
  ]);
  /** Every node each pod uid was ever bound to (more than one = a pod moved or ran twice). */
  private readonly boundTo = new Map<string, Set<string>>();

  constructor(
    private readonly client: HttpApiClient,
    private readonly pods: Informer<Pod>,
    readonly app: string,
    readonly replicas: number,
  ) {
    pods.addHandler({
      onChange: (_type, p) => {
        if (p.metadata.labels?.app !== app) return;
        const uid = p.metadata.uid ?? '';
        this.seen.get(imageOf(p) ?? '')?.add(uid);
        if (p.spec.nodeName) {
          const nodes = this.boundTo.get(uid) ?? new Set<string>();
          nodes.add(p.spec.nodeName);
          this.boundTo.set(uid, nodes);
        }
      },
    });
  }

  private mine(): Pod[] {
    return this.pods.list().filter((p) => p.metadata.labels?.app === this.app);
  }

  /** Pods of the app on the given template image, not being deleted. */
  live(image: string): Pod[] {
    return this.mine().filter((p) => imageOf(p) === image && !p.metadata.deletionTimestamp);
  }

  /** Creates the Deployment on OLD_IMAGE and waits until all its pods are available. */
  async create(): Promise<void> {
    const surge = `${SURGE_PERCENT}%`;
    await this.client.create<Deployment>('deployments', 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: this.app, namespace: 'default' },
      spec: {
        replicas: this.replicas,
        selector: { matchLabels: { app: this.app } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: surge } },
        template: {
          metadata: { labels: { app: this.app } },
          spec: { containers: [{ name: 'c', image: OLD_IMAGE }] },
        },
      },
    });
    await this.waitComplete(OLD_IMAGE, 120_000);
  }

  /** The Deployment is done rolling to image: status at the latest generation, every pod Running. */
  async complete(image: string): Promise<boolean> {
    const d = await this.client.get<Deployment>('deployments', 'default', this.app);
    const s = d.status;
    const n = this.replicas;
    return (
      d.spec.template.spec.containers[0]?.image === image &&
      s?.observedGeneration === d.metadata.generation &&
      s?.updatedReplicas === n &&
      s?.replicas === n &&
      s?.availableReplicas === n &&
      this.live(image).filter((p) => p.status?.phase === 'Running').length === n &&
      this.mine().length === n
    );
  }

  waitComplete(image: string, timeoutMs: number): Promise<boolean> {
    return waitFor(() => this.complete(image), {
      timeoutMs,
      intervalMs: 250,
      what: `${this.replicas} pods of ${image} available`,
    });
  }

  /** Resolves with the count of new-template pods once it reaches at (the rollout still going). */
  async waitProgress(at: number): Promise<number> {
    const n = await waitFor(
      () => {
        const k = this.live(NEW_IMAGE).length;
        return k >= at ? k : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 20, what: `${at} pods of the new template` },
    );
    assert.ok(n < this.replicas, `the rollout is still going at the kill (${n} new pods)`);
    return n;
  }

  /**
   * Nothing done twice: exactly two ReplicaSets (the old one at 0, the new at full size); every
   * pod of either template created once (two controllers acting at once would create more uids
   * than replicas); no pod bound to a second node. Returns what it checked, for the record.
   */
  async assertNothingDuplicated(): Promise<string> {
    const rs = (await this.client.list<ReplicaSet>('replicasets', 'default')).items.filter(
      (r) => r.metadata.labels?.app === this.app,
    );
    assert.equal(
      rs.map((r) => [r.spec.template.spec.containers[0]?.image, r.spec.replicas]).sort(),
      [
        [OLD_IMAGE, 0],
        [NEW_IMAGE, this.replicas],
      ],
      'two ReplicaSets: the old one at 0, the new one at full size',
    );
    const fresh = this.seen.get(NEW_IMAGE)?.size;
    const old = this.seen.get(OLD_IMAGE)?.size;
    assert.is(fresh, this.replicas, `every pod of ${NEW_IMAGE} created once (distinct uids ever seen)`);
    assert.is(old, this.replicas, `no pod of ${OLD_IMAGE} created again`);
    const moved = [...this.boundTo].filter(([, nodes]) => nodes.size > 1);
    assert.equal(moved, [], 'no pod bound to more than one node');
    return `exactly 2 ReplicaSets (old at 0, new at ${this.replicas}); ${fresh} distinct new-template pod uids ever seen for ${this.replicas} replicas, ${old} old ones (none recreated); each pod bound to one node only`;
  }
}
