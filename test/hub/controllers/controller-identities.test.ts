// Each in-process controller acts as its own service account (and the gateway as its own user) with only its bootstrap role
// (hub/auth/rbac/controller-roles.ts), as kube-controller-manager with
// --use-service-account-credentials. A real hub with two hollow boards (the fleet simulator over
// MQTTS) runs a Deployment, a Service, a PodDisruptionBudget and a DaemonSet, then deletes the
// Deployment (garbage collector) and a Node (pod GC, node credentials): every controller's work
// is done, its writes are in the audit log under its own name, none of them was refused, and
// the identities cannot do what their roles do not grant (SubjectAccessReview, as an admin asks).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Fleet, startFleet } from '../../../bench/sim/fleet.js';
import { CONTROLLERS } from '../../../hub/auth/rbac/controller-roles.js';
import { CONTROLLER_MANAGER_USER, controllerUser, GATEWAY_USER } from '../../../hub/auth/user.js';
import type { DaemonSet, Deployment } from '../../../shared/api/apps.js';
import type { Node, Pod } from '../../../shared/api/types.js';
import { waitFor } from '../../helpers/wait.js';
import { hubPerFile } from '../gateway/harness.js';

const hub = hubPerFile({ heartbeatIntervalMs: 1000, nodeGraceMs: 20_000 });
let fleet: Fleet | undefined;
const c = () => hub().client;
const NS = 'default';
const labels = { app: 'ids' };
const isReady = (n: Node) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
const running = (p: Pod) => p.status?.phase === 'Running';

interface AuditLine {
  user: string;
  verb: string;
  resource: string;
  subresource?: string;
  code: number;
  userAgent?: string;
}
const audit = (): AuditLine[] =>
  readFileSync(join(hub().config.dataDir, 'audit.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditLine);
const sa = (name: string) => controllerUser(name).name;

test.before(async () => {
  fleet = await startFleet({
    hubUrl: hub().mqttUrl,
    caPem: hub().caPem,
    token: hub().bootstrapToken,
    nodes: 2,
    nodesPerProcess: 2,
    namePrefix: 'ids',
    heartbeatIntervalMs: 1000,
    podStartDelayMs: 50,
  });
  await waitFor(async () => (await c().list<Node>('nodes', undefined)).items.filter(isReady).length === 2, {
    timeoutMs: 30_000,
    what: 'two hollow boards Ready',
  });
});

test.after(async () => {
  await fleet?.stop();
});

const pods = async (selector: string) => (await c().list<Pod>('pods', NS, { labelSelector: selector })).items;

test('every controller does its work under its own identity, and none is refused', async () => {
  const template = { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'ids:1' }] } };
  await c().create<Deployment>('deployments', NS, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'ids' },
    spec: { replicas: 2, selector: { matchLabels: labels }, template },
  } as Deployment);
  await c().create('services', NS, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'ids' },
    spec: { selector: labels, ports: [{ port: 80 }] },
  });
  await c().create('poddisruptionbudgets', NS, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'ids' },
    spec: { minAvailable: 1, selector: { matchLabels: labels } },
  });
  const dsLabels = { app: 'ids-ds' };
  await c().create<DaemonSet>('daemonsets', NS, {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'ids-ds' },
    spec: {
      selector: { matchLabels: dsLabels },
      template: { metadata: { labels: dsLabels }, spec: { containers: [{ name: 'c', image: 'ids:1' }] } },
    },
  } as DaemonSet);
  await waitFor(async () => (await pods('app=ids')).filter(running).length === 2, {
    timeoutMs: 30_000,
    what: 'the deployment pods running',
  });
  await waitFor(async () => (await pods('app=ids-ds')).filter(running).length === 2, {
    timeoutMs: 30_000,
    what: 'the daemonset pods running',
  });
  // Hollow pods have no IP, so the slice lists no endpoint: that it exists is the controller's write.
  await waitFor(
    async () =>
      (await c().list('endpointslices', NS, { labelSelector: 'kubernetes.io/service-name=ids' })).items
        .length === 1,
    { what: "the Service's EndpointSlice" },
  );
  await waitFor(
    async () =>
      ((await c().get<Pod & { status?: { currentHealthy?: number } }>('poddisruptionbudgets', NS, 'ids'))
        .status?.currentHealthy ?? 0) === 2,
    { what: 'the PDB counting both pods' },
  );
  // Garbage collector: the Deployment's ReplicaSet and pods go with it.
  await c().delete('deployments', NS, 'ids');
  await waitFor(async () => (await pods('app=ids')).length === 0, {
    timeoutMs: 30_000,
    what: 'pods collected',
  });
  // A deleted Node: its credential is revoked, its pods are collected.
  const gone = (await c().list<Node>('nodes', undefined)).items[0]?.metadata.name ?? '';
  await c().delete('nodes', undefined, gone);
  await waitFor(async () => (await pods('app=ids-ds')).every((p) => p.spec?.nodeName !== gone), {
    timeoutMs: 30_000,
    what: `pods of ${gone} collected`,
  });

  const lines = audit();
  const inProcess = lines.filter((l) => l.userAgent === 'in-process');
  const refused = inProcess.filter((l) => l.code === 401 || l.code === 403);
  assert.equal(refused, [], 'no component was refused');
  const wrote = (user: string, verb: string, resource: string, subresource?: string) =>
    assert.ok(
      inProcess.some(
        (l) =>
          l.user === user &&
          l.verb === verb &&
          l.resource === resource &&
          (subresource === undefined || l.subresource === subresource) &&
          l.code < 300,
      ),
      `${user} ${verb} ${resource}${subresource ? `/${subresource}` : ''}`,
    );
  wrote(sa(CONTROLLERS.deployment), 'create', 'replicasets');
  wrote(sa(CONTROLLERS.replicaSet), 'create', 'pods');
  wrote(sa(CONTROLLERS.replicaSet), 'update', 'replicasets', 'status');
  wrote(sa(CONTROLLERS.daemonSet), 'create', 'pods');
  wrote(sa(CONTROLLERS.daemonSet), 'create', 'controllerrevisions');
  wrote(sa(CONTROLLERS.endpointSlice), 'create', 'endpointslices');
  wrote(sa(CONTROLLERS.endpoints), 'create', 'endpoints');
  wrote(sa(CONTROLLERS.disruption), 'update', 'poddisruptionbudgets', 'status');
  wrote(sa(CONTROLLERS.garbageCollector), 'delete', 'replicasets');
  wrote(sa(CONTROLLERS.nodeCredential), 'update', 'secrets');
  wrote(sa(CONTROLLERS.podGc), 'delete', 'pods');
  wrote('system:kube-scheduler', 'create', 'pods', 'binding');
  wrote(GATEWAY_USER.name, 'create', 'nodes');
  wrote(GATEWAY_USER.name, 'update', 'pods', 'status');
  wrote(GATEWAY_USER.name, 'create', 'secrets'); // the boards' node credentials, at join
  // The controller manager's own user only lists and watches: every write names a controller.
  assert.not.ok(
    inProcess.some((l) => l.user === CONTROLLER_MANAGER_USER.name),
    'no write under the controller manager user',
  );
});

test('each identity is refused what its role does not grant (asked by SubjectAccessReview)', async () => {
  const may = async (user: string, groups: string[], attrs: Record<string, string>) => {
    const res = await fetch(`${hub().apiUrl}/apis/authorization.k8s.io/v1/subjectaccessreviews`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user, groups, resourceAttributes: attrs },
      }),
    });
    assert.is(res.status, 201);
    return ((await res.json()) as { status: { allowed: boolean } }).status.allowed;
  };
  const secrets = { verb: 'get', resource: 'secrets', namespace: NS, name: 'x' };
  const bind = { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' };
  const exec = { verb: 'create', resource: 'pods', subresource: 'exec', namespace: NS, name: 'x' };
  const table: [string, Record<string, string>, boolean][] = [
    [CONTROLLERS.deployment, secrets, false],
    [CONTROLLERS.deployment, bind, false],
    [CONTROLLERS.deployment, { verb: 'create', group: 'apps', resource: 'replicasets', namespace: NS }, true],
    [CONTROLLERS.deployment, { verb: 'create', resource: 'pods', namespace: NS }, false],
    [CONTROLLERS.replicaSet, { verb: 'create', resource: 'pods', namespace: NS }, true],
    [CONTROLLERS.replicaSet, exec, false],
    [CONTROLLERS.replicaSet, { verb: 'delete', resource: 'nodes', name: 'x' }, false],
    [CONTROLLERS.endpointSlice, secrets, false],
    [CONTROLLERS.endpoints, secrets, false],
    [CONTROLLERS.replication, { verb: 'create', resource: 'pods', namespace: NS }, true],
    [CONTROLLERS.replication, secrets, false],
    [CONTROLLERS.volumeBinder, { verb: 'update', resource: 'persistentvolumes', name: 'x' }, true],
    [CONTROLLERS.volumeBinder, { verb: 'create', resource: 'pods', namespace: NS }, false],
    [CONTROLLERS.statefulSet, { verb: 'create', resource: 'pods', namespace: NS }, true],
    [
      CONTROLLERS.statefulSet,
      { verb: 'delete', resource: 'persistentvolumeclaims', namespace: NS, name: 'x' },
      false,
    ],
    [CONTROLLERS.endpoints, { verb: 'update', resource: 'endpoints', namespace: NS, name: 'x' }, true],
    [CONTROLLERS.endpoints, { verb: 'update', resource: 'services', namespace: NS, name: 'x' }, false],
    [
      CONTROLLERS.nodeCredential,
      { verb: 'update', resource: 'secrets', namespace: 'kube-system', name: 'x' },
      true,
    ],
    [CONTROLLERS.nodeCredential, secrets, false],
    [CONTROLLERS.rollout, bind, false],
    [CONTROLLERS.eventTtl, { verb: 'delete', resource: 'pods', namespace: NS, name: 'x' }, false],
  ];
  for (const [name, attrs, want] of table) {
    const u = controllerUser(name);
    assert.is(await may(u.name, u.groups, attrs), want, `${name} ${JSON.stringify(attrs)}`);
  }
  for (const [attrs, want] of [
    [{ verb: 'update', resource: 'pods', subresource: 'status', namespace: NS, name: 'x' }, true],
    [{ verb: 'create', group: 'apps', resource: 'deployments', namespace: NS }, false],
    [secrets, false],
    [{ verb: 'update', resource: 'secrets', namespace: 'kube-system', name: 'x' }, true],
    [bind, false],
  ] as [Record<string, string>, boolean][])
    assert.is(
      await may(GATEWAY_USER.name, GATEWAY_USER.groups, attrs),
      want,
      `gateway ${JSON.stringify(attrs)}`,
    );
  const kcm = CONTROLLER_MANAGER_USER;
  assert.is(await may(kcm.name, kcm.groups, { verb: 'list', resource: 'secrets' }), true, 'kcm lists');
  assert.is(await may(kcm.name, kcm.groups, { verb: 'delete', resource: 'pods', namespace: NS }), false);
});

test.run();
