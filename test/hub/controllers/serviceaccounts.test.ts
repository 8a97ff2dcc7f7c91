// The serviceaccounts controller on the real API (SQLite store): every namespace has its
// `default` ServiceAccount (the system ones at start, a new one when it is created), one that
// is deleted comes back, and the user's own changes to it (imagePullSecrets) are kept.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isNotFound } from '../../../hub/api/errors.js';
import { ServiceAccountsController } from '../../../hub/controllers/serviceaccounts.js';
import type { KubeObject, Namespace } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { startApi, type TestApi } from '../api/helpers.js';
import { waitFor } from './wait.js';

type ServiceAccount = KubeObject & { imagePullSecrets?: { name: string }[] };

let t: TestApi;
let ctl: ServiceAccountsController;
const c = () => t.api.client;

test.before(async () => {
  t = await startApi();
  ctl = new ServiceAccountsController({ client: c(), log: createLogger('sa', 40) });
  await ctl.start();
});
test.after(async () => {
  await ctl.stop();
  await t.stop();
});

const account = (ns: string) =>
  c()
    .get<ServiceAccount>('serviceaccounts', ns, 'default')
    .catch((e) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });

test('the namespaces present at start each get default', async () => {
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
    await waitFor(`default ServiceAccount in ${ns}`, () => account(ns));
});

test('a new namespace gets default; a deleted default comes back as a new object', async () => {
  await c().create<Namespace>('namespaces', undefined, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'team-a' },
  } as Namespace);
  const first = await waitFor('default in team-a', () => account('team-a'));
  await c().delete('serviceaccounts', 'team-a', 'default');
  const again = await waitFor('default in team-a again', async () => {
    const sa = await account('team-a');
    return sa && sa.metadata.uid !== first.metadata.uid ? sa : undefined;
  });
  assert.ok(again.metadata.uid);
});

test("the user's imagePullSecrets on default are kept (the controller only creates)", async () => {
  const sa = await waitFor('default in default', () => account('default'));
  await c().update<ServiceAccount>('serviceaccounts', 'default', {
    ...sa,
    imagePullSecrets: [{ name: 'regcred' }],
  });
  // A second namespace event makes the controller look at default again.
  await c().create<Namespace>('namespaces', undefined, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'team-b' },
  } as Namespace);
  await waitFor('default in team-b', () => account('team-b'));
  assert.equal((await account('default'))?.imagePullSecrets, [{ name: 'regcred' }]);
});

test.run();
