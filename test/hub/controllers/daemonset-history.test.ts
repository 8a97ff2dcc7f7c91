// DaemonSet history as ControllerRevisions (issue #10 item 1): planHistory's rules, then the
// real kubectl's `rollout history` and `rollout undo ds` against the API with the DaemonSet
// controller (no agents: history does not need running pods).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DaemonSetController } from '../../../hub/controllers/daemonset.js';
import { planHistory, revisionData } from '../../../hub/controllers/daemonset/history.js';
import type { ControllerRevision, DaemonSet } from '../../../shared/api/apps.js';
import type { Node } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { node, startApi, type TestApi } from '../api/helpers.js';
import { kubectl, writeKubeconfig } from './fixtures.js';
import { waitFor } from './wait.js';

function ds(image: string, limit?: number): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'hist', namespace: 'default', uid: 'ds-uid' },
    spec: {
      selector: { matchLabels: { app: 'hist' } },
      template: { metadata: { labels: { app: 'hist' } }, spec: { containers: [{ name: 'c', image }] } },
      ...(limit !== undefined ? { revisionHistoryLimit: limit } : {}),
    },
  };
}

function rev(hash: string, revision: number): ControllerRevision {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name: `hist-${hash}`, namespace: 'default', labels: { 'controller-revision-hash': hash } },
    data: {},
    revision,
  };
}

test('planHistory: a new template gets the next revision with the restoring patch as data', () => {
  const p = planHistory(ds('img:3'), 'h3', [rev('h1', 1), rev('h2', 2)], new Set());
  assert.is(p.create?.metadata.name, 'hist-h3');
  assert.is(p.create?.revision, 3);
  assert.equal(p.create?.data, revisionData(ds('img:3')));
  assert.equal(
    (p.create?.data as { spec: { template: { $patch: string } } }).spec.template.$patch,
    'replace',
  );
  assert.is(p.create?.metadata.ownerReferences?.[0]?.kind, 'DaemonSet');
  assert.is(p.renumber, undefined);
});

test('planHistory: returning to an old template renumbers its revision past the others', () => {
  const p = planHistory(ds('img:1'), 'h1', [rev('h1', 1), rev('h2', 2)], new Set());
  assert.is(p.create, undefined);
  assert.is(p.renumber?.revision.metadata.name, 'hist-h1');
  assert.is(p.renumber?.to, 3);
  assert.is(planHistory(ds('img:2'), 'h2', [rev('h1', 1), rev('h2', 2)], new Set()).renumber, undefined);
});

test('planHistory: old revisions past revisionHistoryLimit go, oldest first, unless a live pod uses them', () => {
  const owned = [rev('h1', 1), rev('h2', 2), rev('h3', 3), rev('h4', 4), rev('h5', 5)];
  const names = (rs: ControllerRevision[]) => rs.map((r) => r.metadata.name);
  assert.equal(names(planHistory(ds('x', 2), 'h5', owned, new Set()).remove), ['hist-h1', 'hist-h2']);
  assert.equal(names(planHistory(ds('x', 2), 'h5', owned, new Set(['h1'])).remove), ['hist-h2']);
  assert.equal(planHistory(ds('x'), 'h5', owned, new Set()).remove, [], 'default limit 10');
});

let t: TestApi;
let ctl: DaemonSetController;
let kubeconfig: string;

test.before(async () => {
  t = await startApi();
  await t.api.client.create<Node>('nodes', undefined, node('n1') as unknown as Node);
  ctl = new DaemonSetController({ client: t.api.client, log: createLogger('ds', 30) });
  await ctl.start();
  kubeconfig = writeKubeconfig(t);
});
test.after(async () => {
  await ctl.stop();
  await t.stop();
});

async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(kubeconfig, ...args);
  assert.is(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.err}`);
  return r.out;
}

/** The controller has handled every event so far (nothing queued or running). */
async function ctlIdle(): Promise<void> {
  await waitFor('the DaemonSet controller idle', () => ctl.idle());
}

async function revisions(): Promise<Map<number, string>> {
  const l = await t.api.client.list<ControllerRevision>('controllerrevisions', 'default');
  return new Map(l.items.map((r) => [r.revision, r.metadata.labels?.['controller-revision-hash'] ?? '']));
}

async function waitRevisions(n: number[]): Promise<Map<number, string>> {
  return waitFor(`revisions ${n.join(',')}`, async () => {
    const r = await revisions();
    return JSON.stringify([...r.keys()].sort()) === JSON.stringify(n) ? r : undefined;
  });
}

function revisionsListed(out: string): number[] {
  return out
    .split('\n')
    .map((l) => /^(\d+)\s/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number);
}

test('kubectl rollout history and undo ds: revisions per template, undo restores and renumbers', async () => {
  const file = join(t.dir, 'ds.json');
  const obj = ds('collector:1');
  delete obj.metadata.uid;
  writeFileSync(file, JSON.stringify(obj));
  await ok('apply', '-f', file);
  await waitRevisions([1]);
  await ok('set', 'image', 'ds/hist', 'c=collector:2');
  await waitRevisions([1, 2]);
  await ok('set', 'image', 'ds/hist', 'c=collector:3');
  const before = await waitRevisions([1, 2, 3]);
  assert.equal(revisionsListed(await ok('rollout', 'history', 'ds/hist')), [1, 2, 3]);
  assert.match(await ok('rollout', 'history', 'ds/hist', '--revision=1'), /Image:\s+collector:1/);

  assert.match(await ok('rollout', 'undo', 'ds/hist', '--to-revision=1'), /rolled back/);
  const live = await t.api.client.get<DaemonSet>('daemonsets', 'default', 'hist');
  assert.is(live.spec.template.spec.containers[0].image, 'collector:1', 'the template is revision 1 again');
  const after = await waitRevisions([2, 3, 4]);
  assert.is(after.get(4), before.get(1), 'revision 1 came back as revision 4');
  assert.equal(revisionsListed(await ok('rollout', 'history', 'ds/hist')), [2, 3, 4]);
  // Undo to the current revision changes nothing: same template, no new revision. (kubectl
  // says "rolled back" rather than "skipped": it compares the revision's bytes with Go's field
  // order, which Drover's JSON does not reproduce.)
  await ok('rollout', 'undo', 'ds/hist', '--to-revision=4');
  await ctlIdle();
  assert.equal([...(await revisions()).keys()].sort(), [2, 3, 4]);

  // Owned by the DaemonSet, so the garbage collector removes them with it.
  const l = await t.api.client.list<ControllerRevision>('controllerrevisions', 'default');
  for (const r of l.items) assert.is(r.metadata.ownerReferences?.[0]?.uid, live.metadata.uid);
});

test.run();
