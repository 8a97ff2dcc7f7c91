// The scheduler in a real hub acts as system:kube-scheduler outside system:masters: RBAC's
// bootstrap role is all it may do. It still binds a pod (and records the status/events it
// needs); everything else it might try is refused by the same authorizer kubectl meets.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LocalApiClient } from '../../../hub/api/local-client.js';
import { SCHEDULER_USER } from '../../../hub/auth/user.js';
import type { ClusterRoleBinding } from '../../../shared/api/rbac.js';
import type { Node, Pod } from '../../../shared/api/types.js';
import { waitFor } from '../controllers/wait.js';
import { connectNode, hubPerFile, join, sendStatus } from '../gateway/harness.js';

// The scheduler is refused on purpose below; any other component's refusal still fails the file.
const hub = hubPerFile({}, [SCHEDULER_USER.name]);

test('the scheduler binds pods as system:kube-scheduler', async () => {
  const h = hub();
  const res = await join(h, 'sched-a');
  const c = await connectNode(h, 'sched-a', res.password!);
  try {
    await sendStatus(c, 'sched-a');
    await waitFor('node sched-a', () => h.client.get<Node>('nodes', undefined, 'sched-a'));
    await h.client.create<Pod>('pods', 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    await waitFor(
      'pod bound by the scheduler',
      async () => (await h.client.get<Pod>('pods', 'default', 'p')).spec.nodeName === 'sched-a',
    );
  } finally {
    await c.endAsync(true);
  }
});

test('the scheduler identity may do nothing else: each refused with 403', async () => {
  const s = (hub().client as LocalApiClient).as(SCHEDULER_USER);
  assert.not.ok(SCHEDULER_USER.groups.includes('system:masters'));
  const tries: [string, () => Promise<unknown>][] = [
    ['read secrets', () => s.list('secrets', 'default')],
    ['delete a node', () => s.delete('nodes', undefined, 'sched-a')],
    [
      'create a pod',
      () =>
        s.create<Pod>('pods', 'default', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'x' },
          spec: { containers: [] },
        }),
    ],
    [
      'bind itself to cluster-admin',
      () =>
        s.create<ClusterRoleBinding>('clusterrolebindings', undefined, {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'sched-root' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'User', name: SCHEDULER_USER.name }],
        }),
    ],
  ];
  for (const [what, fn] of tries) {
    const e = await fn().then(
      () => undefined,
      (err: { code?: number; message?: string }) => err,
    );
    assert.is(e?.code, 403, `${what}: ${e?.message}`);
    assert.match(String(e?.message), 'User "system:kube-scheduler" cannot', what);
  }
  assert.ok(await hub().client.get('nodes', undefined, 'sched-a'), 'the node is still there');
});

test.run();
