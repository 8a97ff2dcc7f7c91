// DefaultTolerationSeconds admission at pod create, through the real API (SQLite store).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pod, Toleration } from '../../../shared/api/types.js';
import { startApi, type TestApi } from './helpers.js';

let t: TestApi;
test.before(async () => {
  t = await startApi();
});
test.after(async () => {
  await t.stop();
});

const NR = 'node.kubernetes.io/not-ready';
const UR = 'node.kubernetes.io/unreachable';
const def = (key: string): Toleration => ({
  key,
  operator: 'Exists',
  effect: 'NoExecute',
  tolerationSeconds: 300,
});

function pod(name: string, tolerations?: Toleration[]): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(tolerations ? { tolerations } : {}) },
  };
}

const cases: { name: string; given?: Toleration[]; want: Toleration[] }[] = [
  { name: 'none', want: [def(NR), def(UR)] },
  {
    name: 'own-unreachable',
    given: [{ key: UR, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }],
    want: [{ key: UR, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }, def(NR)],
  },
  {
    name: 'forever',
    given: [
      { key: NR, operator: 'Exists', effect: 'NoExecute' },
      { key: UR, operator: 'Exists', effect: 'NoExecute' },
    ],
    want: [
      { key: NR, operator: 'Exists', effect: 'NoExecute' },
      { key: UR, operator: 'Exists', effect: 'NoExecute' },
    ],
  },
  { name: 'tolerate-all', given: [{ operator: 'Exists' }], want: [{ operator: 'Exists' }] },
  {
    name: 'other-key',
    given: [{ key: 'dedicated', operator: 'Equal', value: 'edge', effect: 'NoSchedule' }],
    want: [{ key: 'dedicated', operator: 'Equal', value: 'edge', effect: 'NoSchedule' }, def(NR), def(UR)],
  },
];

for (const c of cases) {
  test(`default tolerations at create: ${c.name}`, async () => {
    const created = await t.api.client.create<Pod>('pods', 'default', pod(c.name, c.given));
    assert.equal(created.spec.tolerations, c.want);
    const read = await t.api.client.get<Pod>('pods', 'default', c.name);
    assert.equal(read.spec.tolerations, c.want, 'stored');
  });
}

test('an update does not add them again', async () => {
  const p = await t.api.client.get<Pod>('pods', 'default', 'none');
  p.metadata.labels = { touched: 'yes' };
  const u = await t.api.client.update<Pod>('pods', 'default', p);
  assert.is(u.metadata.labels?.touched, 'yes');
  assert.equal(u.spec.tolerations, [def(NR), def(UR)]);
});

test('over HTTP (same path): kubectl-style create gets them too', async () => {
  const res = await fetch(`${t.api.url}/api/v1/namespaces/default/pods`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(pod('http')),
  });
  assert.is(res.status, 201);
  const body = (await res.json()) as Pod;
  assert.equal(body.spec.tolerations, [def(NR), def(UR)]);
});

test.run();
