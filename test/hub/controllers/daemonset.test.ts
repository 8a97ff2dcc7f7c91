// DaemonSet controller against the real API (SQLite in a temp dir), no scheduler and no
// agents: daemon pods stay pinned by node affinity (unbound), and a fake "kubelet" in the
// test marks pods Running/Ready through the pods status subresource where readiness matters.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isConflict } from '../../../hub/api/errors.js';
import { DaemonSetController } from '../../../hub/controllers/daemonset.js';
import { targetNode } from '../../../hub/controllers/daemonset/placement.js';
import type { DaemonSet } from '../../../shared/api/apps.js';
import { NEXT_IMAGES_ANNOTATION } from '../../../shared/api/next-images.js';
import { createLogger } from '../../../shared/log.js';
import type { ApiWatch } from '../../../hub/api/client.js';
import type { Node, Pod, Taint } from '../../../shared/api/types.js';
import { node, startApi, type TestApi } from '../api/helpers.js';
import { markPodReady } from './fixtures.js';
import { delay, waitFor } from './wait.js';

let t: TestApi;
let ctl: DaemonSetController;
const c = () => t.api.client;

test.before(async () => {
  t = await startApi();
  for (const [n, region] of [
    ['n1', 'north'],
    ['n2', 'north'],
    ['n3', 'south'],
  ] as const) {
    const x = node(n) as unknown as Node;
    x.metadata.labels = { ...x.metadata.labels, region };
    await c().create<Node>('nodes', undefined, x);
  }
  const tainted = node('n4') as unknown as Node;
  tainted.metadata.labels = { ...tainted.metadata.labels, region: 'north' };
  tainted.spec.taints = [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }];
  await c().create<Node>('nodes', undefined, tainted);
  ctl = new DaemonSetController({ client: c(), log: createLogger('ds', 30) });
  await ctl.start();
});
test.after(async () => {
  await ctl.stop();
  await t.stop();
});

function ds(name: string, image = 'collector:1', strategy?: DaemonSet['spec']['updateStrategy']): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { nodeSelector: { region: 'north' }, containers: [{ name: 'c', image }] },
      },
      ...(strategy ? { updateStrategy: strategy } : {}),
    },
  };
}

/** Read-modify-write that retries when the controller's status write got in between (client-go RetryOnConflict). */
async function updateDs(name: string, mutate: (d: DaemonSet) => void): Promise<DaemonSet> {
  for (let attempt = 0; ; attempt++) {
    const d = await c().get<DaemonSet>('daemonsets', 'default', name);
    mutate(d);
    try {
      return await c().update<DaemonSet>('daemonsets', 'default', d);
    } catch (e) {
      if (!isConflict(e) || attempt >= 5) throw e;
    }
  }
}

async function daemonPods(name: string): Promise<Pod[]> {
  return (await c().list<Pod>('pods', 'default', { labelSelector: `app=${name}` })).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );
}
const nodesOf = async (name: string) => (await daemonPods(name)).map((p) => targetNode(p)).sort();

async function waitNodes(name: string, want: string[], what: string): Promise<void> {
  await waitFor(what, async () => JSON.stringify(await nodesOf(name)) === JSON.stringify(want), 5000);
}

async function patchNode(name: string, f: (n: Node) => void): Promise<void> {
  const n = await c().get<Node>('nodes', undefined, name);
  f(n);
  await c().update<Node>('nodes', undefined, n);
}

const markReady = (p: Pod) => markPodReady(t, p);

test('one pod per matching node: nodeSelector, not the tainted node; pinned by node affinity', async () => {
  await c().create<DaemonSet>('daemonsets', 'default', ds('col'));
  await waitNodes('col', ['n1', 'n2'], 'pods on n1 and n2');
  const pods = await daemonPods('col');
  const d = await c().get<DaemonSet>('daemonsets', 'default', 'col');
  for (const p of pods) {
    assert.is(p.spec.nodeName, undefined, 'the scheduler binds it');
    const terms =
      p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    assert.is(terms?.length, 1);
    assert.is(terms?.[0]?.matchFields?.[0]?.key, 'metadata.name');
    assert.equal(p.metadata.ownerReferences?.[0], {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      name: 'col',
      uid: d.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    });
    assert.ok(p.metadata.labels?.['controller-revision-hash'], 'revision hash label');
    const tol = p.spec.tolerations ?? [];
    const ur = tol.find((x) => x.key === 'node.kubernetes.io/unreachable');
    assert.ok(ur && ur.tolerationSeconds === undefined, 'tolerates unreachable forever');
    assert.ok(tol.some((x) => x.key === 'node.kubernetes.io/unschedulable'));
  }
  const st = await waitFor('status', async () => {
    const x = await c().get<DaemonSet>('daemonsets', 'default', 'col');
    return x.status?.currentNumberScheduled === 2 ? x.status : undefined;
  });
  assert.is(st.desiredNumberScheduled, 2);
  assert.is(st.numberMisscheduled, 0);
  assert.is(st.updatedNumberScheduled, 2);
  assert.is(st.numberReady, 0);
  assert.is(st.observedGeneration, 1);
});

test('status counts ready/available pods (status set by the fixture kubelet)', async () => {
  for (const p of await daemonPods('col')) await markReady(p);
  await waitFor('ready 2', async () => {
    const s = (await c().get<DaemonSet>('daemonsets', 'default', 'col')).status;
    return s?.numberReady === 2 && s.numberAvailable === 2 && s.numberUnavailable === 0;
  });
});

test('a pod turning unready: one reconcile writes the status, and its write coming back brings none', async () => {
  let reconciles = 0;
  const reconcile = ctl.reconcile.bind(ctl);
  ctl.reconcile = (key) => {
    if (key === 'default/col') reconciles++;
    return reconcile(key);
  };
  const quiet = async () => {
    await waitFor('controller idle', () => ctl.idle());
    await delay(300); // a write's own event would queue the key again by now
    await waitFor('controller idle', () => ctl.idle());
  };
  try {
    await quiet();
    const before = reconciles;
    const [p] = await daemonPods('col');
    await c().update<Pod>(
      'pods',
      'default',
      { ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: 'False' }] } },
      'status',
    );
    await waitFor('ready 1', async () => {
      const s = (await c().get<DaemonSet>('daemonsets', 'default', 'col')).status;
      return s?.numberReady === 1;
    });
    await quiet();
    assert.is(reconciles - before, 1, 'reconciles of the DaemonSet');
    await markReady(await c().get<Pod>('pods', 'default', p.metadata.name ?? ''));
    await waitFor('ready 2 again', async () => {
      const s = (await c().get<DaemonSet>('daemonsets', 'default', 'col')).status;
      return s?.numberReady === 2;
    });
  } finally {
    ctl.reconcile = reconcile;
  }
});

test('a node added later gets one; a node whose label stops matching loses it', async () => {
  const n5 = node('n5') as unknown as Node;
  n5.metadata.labels = { ...n5.metadata.labels, region: 'north' };
  await c().create<Node>('nodes', undefined, n5);
  await waitNodes('col', ['n1', 'n2', 'n5'], 'pod on the new node');
  await patchNode('n2', (n) => {
    n.metadata.labels = { ...n.metadata.labels, region: 'south' };
  });
  await waitNodes('col', ['n1', 'n5'], 'n2 loses its pod');
});

test('tainted node: tolerating the taint brings a pod; an untolerated NoSchedule taint keeps the pod (misscheduled); NoExecute removes it', async () => {
  await updateDs('col', (d) => {
    d.spec.template.spec.tolerations = [
      { key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' },
    ];
    d.spec.updateStrategy = { type: 'OnDelete' }; // keep the existing pods for this test
  });
  await waitNodes('col', ['n1', 'n4', 'n5'], 'pod on n4 once tolerated');
  const taint: Taint = { key: 'maint', effect: 'NoSchedule' };
  await patchNode('n5', (n) => {
    n.spec.taints = [taint];
  });
  await waitFor('misscheduled 1', async () => {
    const s = (await c().get<DaemonSet>('daemonsets', 'default', 'col')).status;
    return s?.numberMisscheduled === 1 && s.desiredNumberScheduled === 2;
  });
  assert.equal(await nodesOf('col'), ['n1', 'n4', 'n5'], 'NoSchedule does not evict');
  await patchNode('n5', (n) => {
    n.spec.taints = [{ ...taint, effect: 'NoExecute' }];
  });
  await waitNodes('col', ['n1', 'n4'], 'NoExecute removes it');
  await patchNode('n5', (n) => {
    n.spec.taints = [];
  });
  await waitNodes('col', ['n1', 'n4', 'n5'], 'back after the taint goes');
});

test('OnDelete: a template change replaces only pods the user deletes', async () => {
  const before = await daemonPods('col');
  await updateDs('col', (d) => {
    d.spec.template.spec.containers[0]!.image = 'collector:2';
  });
  await delay(400);
  const same = await daemonPods('col');
  assert.equal(same.map((p) => p.metadata.uid).sort(), before.map((p) => p.metadata.uid).sort());
  const victim = same.find((p) => targetNode(p) === 'n1')!;
  await c().delete('pods', 'default', victim.metadata.name!);
  const fresh = await waitFor('replacement on n1', async () =>
    (await daemonPods('col')).find((p) => targetNode(p) === 'n1' && p.metadata.uid !== victim.metadata.uid),
  );
  assert.is(fresh.spec.containers[0]?.image, 'collector:2');
  assert.is.not(
    fresh.metadata.labels?.['controller-revision-hash'],
    victim.metadata.labels?.['controller-revision-hash'],
  );
  const s = await waitFor('updated 1', async () => {
    const x = (await c().get<DaemonSet>('daemonsets', 'default', 'col')).status;
    return x?.updatedNumberScheduled === 1 && x.observedGeneration === 3 ? x : undefined;
  });
  assert.is(s.desiredNumberScheduled, 3);
});

test('RollingUpdate maxUnavailable 1: never more than one node without an available pod (watched)', async () => {
  await c().create<DaemonSet>('daemonsets', 'default', ds('roll'));
  await waitNodes(
    'roll',
    ['n1', 'n4', 'n5'].filter((n) => n !== 'n4'),
    'initial pods',
  );
  // Fixture kubelet: every new pod of this set becomes Ready after 100 ms.
  const pods = new Map<string, Pod>();
  let worst = 0;
  const targets = ['n1', 'n5'];
  /** drover.io/next-images of each old pod as it was deleted (pull before stop, #18). */
  const announced: string[] = [];
  const check = () => {
    const avail = new Set(
      [...pods.values()]
        .filter(
          (p) =>
            !p.metadata.deletionTimestamp &&
            p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
        )
        .map((p) => targetNode(p)),
    );
    worst = Math.max(worst, targets.filter((n) => !avail.has(n)).length);
  };
  const w: ApiWatch = await c().watch<Pod>(
    'pods',
    'default',
    { labelSelector: 'app=roll', sendInitialEvents: true },
    (ev) => {
      if (ev.type === 'DELETED') {
        pods.delete(ev.object.metadata.uid ?? '');
        if (ev.object.spec.containers[0]?.image === 'collector:1')
          announced.push(ev.object.metadata.annotations?.[NEXT_IMAGES_ANNOTATION] ?? '');
      } else pods.set(ev.object.metadata.uid ?? '', ev.object);
      if (ev.type === 'ADDED' && !ev.object.status?.conditions?.length)
        setTimeout(() => markReady(ev.object).catch(() => {}), 100);
      if (pods.size && targets.every((n) => [...pods.values()].some((p) => targetNode(p) === n))) check();
    },
  );
  await waitFor('all ready', async () => {
    const s = (await c().get<DaemonSet>('daemonsets', 'default', 'roll')).status;
    return s?.numberAvailable === 2;
  });
  worst = 0;
  await updateDs('roll', (d) => {
    d.spec.template.spec.containers[0]!.image = 'collector:2';
  });
  await waitFor(
    'rolled',
    async () => {
      const x = await c().get<DaemonSet>('daemonsets', 'default', 'roll');
      const s = x.status;
      return s?.observedGeneration === 2 && s.updatedNumberScheduled === 2 && s.numberAvailable === 2;
    },
    8000,
  );
  w.close();
  for (const p of await daemonPods('roll')) assert.is(p.spec.containers[0]?.image, 'collector:2');
  assert.is(worst, 1, 'exactly one node at a time was without an available pod');
  // Each old pod was told its replacement's image before it was deleted.
  assert.equal(announced, ['collector:2', 'collector:2']);
});

test('RollingUpdate with maxSurge 1, maxUnavailable 0: every node keeps an available pod, at most one surges', async () => {
  await c().create<DaemonSet>(
    'daemonsets',
    'default',
    ds('surge', 'collector:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }),
  );
  const targets = ['n1', 'n5'];
  const pods = new Map<string, Pod>();
  let worstUnavailable = 0;
  let worstSurging = 0;
  const check = () => {
    const live = [...pods.values()].filter((p) => !p.metadata.deletionTimestamp);
    const ready = (p: Pod) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
    worstUnavailable = Math.max(
      worstUnavailable,
      targets.filter((n) => !live.some((p) => targetNode(p) === n && ready(p))).length,
    );
    worstSurging = Math.max(
      worstSurging,
      targets.filter((n) => live.filter((p) => targetNode(p) === n).length > 1).length,
    );
  };
  const w: ApiWatch = await c().watch<Pod>(
    'pods',
    'default',
    { labelSelector: 'app=surge', sendInitialEvents: true },
    (ev) => {
      if (ev.type === 'DELETED') pods.delete(ev.object.metadata.uid ?? '');
      else pods.set(ev.object.metadata.uid ?? '', ev.object);
      if (ev.type === 'ADDED' && !ev.object.status?.conditions?.length)
        setTimeout(() => markReady(ev.object).catch(() => {}), 100);
      if (targets.every((n) => [...pods.values()].some((p) => targetNode(p) === n))) check();
    },
  );
  await waitFor('all ready', async () => {
    const s = (await c().get<DaemonSet>('daemonsets', 'default', 'surge')).status;
    return s?.numberAvailable === 2;
  });
  worstUnavailable = 0;
  await updateDs('surge', (d) => {
    d.spec.template.spec.containers[0]!.image = 'collector:2';
  });
  await waitFor(
    'rolled with surge',
    async () => {
      const live = await daemonPods('surge');
      return live.length === 2 && live.every((p) => p.spec.containers[0]?.image === 'collector:2');
    },
    10_000,
  );
  w.close();
  assert.is(worstUnavailable, 0, 'no node was ever without an available pod');
  assert.is(worstSurging, 1, 'exactly one node at a time ran two pods');
});

/**
 * A terminating pod of owner held for its replacement's images (drover.io/next-images), kept
 * by a finalizer (no agent confirms the delete here).
 */
async function heldPod(name: string, owner: DaemonSet): Promise<void> {
  await c().create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: { app: owner.metadata.name ?? '' },
      finalizers: ['example.com/hold'],
      annotations: { [NEXT_IMAGES_ANNOTATION]: 'collector:1' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          name: owner.metadata.name ?? '',
          uid: owner.metadata.uid ?? '',
          controller: true,
        },
      ],
    },
    spec: { containers: [{ name: 'c', image: 'collector:0' }] },
  });
  await c().delete('pods', 'default', name);
}

async function unhold(name: string): Promise<void> {
  const p = await c().get<Pod>('pods', 'default', name);
  await c().update<Pod>('pods', 'default', { ...p, metadata: { ...p.metadata, finalizers: [] } });
}

const announcedOn = async (name: string) =>
  (await c().get<Pod>('pods', 'default', name)).metadata.annotations?.[NEXT_IMAGES_ANNOTATION];

test('a deleted DaemonSet releases its held pods, found by its UID; also when the controller starts after the delete', async () => {
  const nowhere = ds('gone');
  nowhere.spec.template.spec.nodeSelector = { region: 'none' };
  const a = await c().create<DaemonSet>('daemonsets', 'default', nowhere);
  await heldPod('gone-held', a);
  await waitFor('the controller wrote the status', async () => {
    const s = (await c().get<DaemonSet>('daemonsets', 'default', 'gone')).status;
    return ctl.idle() && s?.observedGeneration === 1;
  });
  assert.is(await announcedOn('gone-held'), 'collector:1', 'held while its DaemonSet lives');
  await c().delete('daemonsets', 'default', 'gone');
  await waitFor('the held pod stops waiting', async () => (await announcedOn('gone-held')) === undefined);
  await waitFor('nothing remembered once released', () => ctl.idle() && ctl.gone.size() === 0);
  await unhold('gone-held');

  // Deleted while no controller ran: the new one learns the UID from the pod itself.
  const b = await c().create<DaemonSet>('daemonsets', 'default', nowhere);
  await heldPod('gone-held2', b);
  await ctl.stop();
  await c().delete('daemonsets', 'default', 'gone');
  ctl = new DaemonSetController({ client: c(), log: createLogger('ds', 30) });
  await ctl.start();
  await waitFor('the held pod stops waiting', async () => (await announcedOn('gone-held2')) === undefined);
  await waitFor('nothing remembered once released', () => ctl.idle() && ctl.gone.size() === 0);
  await unhold('gone-held2');
});

test.run();
