// The RBAC authorizer remembers the rules a user holds per namespace; every change to a Role,
// ClusterRole or binding forgets them. Played against a real API (SQLite) with the authorizer's
// own informers: a permission granted, asked for again and again (remembered), then revoked
// in each way an admin can revoke it, is refused as soon as the write returns.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RbacAuthorizer } from '../../../../hub/auth/rbac/authorizer.js';
import type { Attributes } from '../../../../hub/auth/authz.js';
import type { UserInfo } from '../../../../hub/auth/user.js';
import type { ClusterRole, Role, RoleBinding } from '../../../../shared/api/rbac.js';
import { createLogger } from '../../../../shared/log.js';
import { startApi, type TestApi } from '../../api/helpers.js';
import { waitFor } from '../../controllers/wait.js';

const RBAC = 'rbac.authorization.k8s.io';
const jane: UserInfo = { name: 'jane', groups: ['system:authenticated'] };
const listPods: Attributes = {
  kind: 'resource',
  verb: 'list',
  group: '',
  resource: 'pods',
  namespace: 'default',
};
const deletePods: Attributes = { ...listPods, verb: 'delete' };
const listPodsElsewhere: Attributes = { ...listPods, namespace: 'other' };

const role = (verbs: string[]): Role => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'Role',
  metadata: { name: 'pods', namespace: 'default' },
  rules: [{ apiGroups: [''], resources: ['pods'], verbs }],
});
const binding = (subjects: RoleBinding['subjects']): RoleBinding => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'RoleBinding',
  metadata: { name: 'jane-pods', namespace: 'default' },
  roleRef: { apiGroup: RBAC, kind: 'Role', name: 'pods' },
  subjects,
});

let t: TestApi;
let rbac: RbacAuthorizer;

test.before.each(async () => {
  t = await startApi();
  rbac = new RbacAuthorizer(t.api.client, createLogger('rbac', 50));
  await rbac.start();
  await t.api.client.create('roles', 'default', role(['get', 'list']));
  await t.api.client.create('rolebindings', 'default', binding([{ kind: 'User', name: 'jane' }]));
  await waitFor('the grant seen', () => rbac.authorize(jane, listPods) === 'allow');
  for (let i = 0; i < 5; i++) assert.is(rbac.authorize(jane, listPods), 'allow', 'asked again');
  assert.is(rbac.authorize(jane, deletePods), 'noOpinion', 'a verb the role lacks');
  assert.is(rbac.authorize(jane, listPodsElsewhere), 'noOpinion', 'another namespace');
});

test.after.each(async () => {
  rbac.stop();
  await t.stop();
});

const revocations: [string, () => Promise<unknown>][] = [
  ['the binding deleted', () => t.api.client.delete('rolebindings', 'default', 'jane-pods')],
  [
    'jane taken off the binding',
    async () => {
      const b = await t.api.client.get<RoleBinding>('rolebindings', 'default', 'jane-pods');
      return t.api.client.update('rolebindings', 'default', {
        ...b,
        subjects: [{ kind: 'User', name: 'joe' }],
      });
    },
  ],
  [
    'the verb taken out of the role',
    async () => {
      const r = await t.api.client.get<Role>('roles', 'default', 'pods');
      return t.api.client.update('roles', 'default', {
        ...r,
        rules: [{ ...(r.rules ?? [])[0], verbs: ['get'] }],
      });
    },
  ],
  ['the role deleted', () => t.api.client.delete('roles', 'default', 'pods')],
];

for (const [what, revoke] of revocations)
  test(`revoked (${what}): refused as soon as the write returns`, async () => {
    await revoke();
    assert.is(rbac.authorize(jane, listPods), 'noOpinion');
  });

test('a new grant through a group and a ClusterRole is allowed once seen, remembered per namespace', async () => {
  const c = t.api.client;
  await c.create<ClusterRole>('clusterroles', undefined, {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name: 'pod-deleter' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['delete'] }],
  });
  await c.create('clusterrolebindings', undefined, {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: 'authenticated-delete' },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'pod-deleter' },
    subjects: [{ kind: 'Group', name: 'system:authenticated' }],
  });
  assert.is(rbac.authorize(jane, deletePods), 'allow');
  assert.is(rbac.authorize(jane, { ...deletePods, namespace: 'other' }), 'allow', 'cluster-wide');
  assert.is(rbac.authorize(jane, listPodsElsewhere), 'noOpinion', 'the Role stays in its namespace');
  const other: UserInfo = { name: 'jane', groups: [] };
  assert.is(rbac.authorize(other, deletePods), 'noOpinion', 'same name, not in the group');
});

test.run();
