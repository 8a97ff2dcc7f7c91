// ReplicationControllers (core/v1) with the real kubectl on the real API: the ReplicaSet
// controller run for the kind creates the pods (owned by the ReplicationController), reports
// status, follows `kubectl scale rc`; upstream's defaults (selector and labels from the
// template) and validation (422, nothing stored); deleting one collects its pods.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GarbageCollector } from '../../../hub/controllers/garbage-collector.js';
import { REPLICATION_CONTROLLER_KIND, ReplicaSetController } from '../../../hub/controllers/replicaset.js';
import type { ReplicationController } from '../../../shared/api/replication-controller.js';
import type { Pod } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { type Fixture, startFixture } from './deployment-fixture.js';
import { waitFor } from './wait.js';

let f: Fixture;
let rcs: ReplicaSetController;
let gc: GarbageCollector;

test.before(async () => {
  f = await startFixture();
  rcs = new ReplicaSetController({
    kind: REPLICATION_CONTROLLER_KIND,
    client: f.client,
    log: createLogger('rc', 40),
  });
  gc = new GarbageCollector({ client: f.client, log: createLogger('gc', 40) });
  await rcs.start();
  await gc.start();
});
test.after(async () => {
  await gc.stop();
  await rcs.stop();
  await f.stop();
});

const pods = async (app: string) =>
  (await f.client.list<Pod>('pods', 'default', { labelSelector: `app=${app}` })).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );

const RC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: web
spec:
  replicas: 3
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: c
          image: busybox:1
`;

test('kubectl applies an RC (selector from the template), its pods come up, scale and status follow', async () => {
  let r = await f.kubectl('apply', '-f', f.file('rc.yaml', RC));
  assert.is(r.code, 0, r.err);
  assert.match(r.out, 'replicationcontroller/web created');
  const rc = await f.client.get<ReplicationController>('replicationcontrollers', 'default', 'web');
  assert.equal(rc.spec.selector, { app: 'web' });
  assert.equal(rc.metadata.labels, { app: 'web' });
  await waitFor('3 pods', async () => (await pods('web')).length === 3);
  const owner = (await pods('web'))[0].metadata.ownerReferences?.[0];
  assert.equal(
    [owner?.apiVersion, owner?.kind, owner?.name, owner?.controller],
    ['v1', 'ReplicationController', 'web', true],
  );
  await waitFor('status: 3 ready', async () => {
    const s = (await f.client.get<ReplicationController>('replicationcontrollers', 'default', 'web')).status;
    return s?.readyReplicas === 3 && s.replicas === 3;
  });
  r = await f.kubectl('get', 'rc', 'web', '--no-headers');
  assert.match(r.out, /^web\s+3\s+3\s+3\s/);

  r = await f.kubectl('scale', 'rc', 'web', '--replicas=1');
  assert.is(r.code, 0, r.err);
  await waitFor('1 pod', async () => (await pods('web')).length === 1);
  r = await f.kubectl('get', 'rc', 'web', '-o', 'jsonpath={.spec.replicas}');
  assert.is(r.out, '1');
});

test('an RC whose selector misses its template labels is refused with 422, nothing stored', async () => {
  const bad = RC.replace('name: web', 'name: bad').replace(
    '  replicas: 3\n',
    '  replicas: 3\n  selector:\n    app: other\n',
  );
  const r = await f.kubectl('apply', '-f', f.file('bad.yaml', bad));
  assert.is.not(r.code, 0);
  assert.match(r.err, 'spec.template.metadata.labels: Invalid value');
  assert.match(r.err, '`selector` does not match template `labels`');
  const g = await f.kubectl('get', 'rc', 'bad');
  assert.match(g.err, 'NotFound');
});

test('deleting the RC collects its pods', async () => {
  const r = await f.kubectl('delete', 'rc', 'web');
  assert.is(r.code, 0, r.err);
  await waitFor('pods collected', async () => (await pods('web')).length === 0, 15_000);
});

test.run();
