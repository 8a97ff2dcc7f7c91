// A Rollout of a DaemonSet across 6 real agents on the real Docker engine, labelled in two rings
// (issue #10's test): 2 boards ring=canary, 4 ring=main (kubectl label node); waves canary, 50% of the rest, the rest.
// A bad version (its container exits at once, so the agent restarts it) fails the canary gate:
// the whole fleet is rolled back and no board outside the canary ever gets a pod of it (a pod
// watch sees every pod). A good version then passes the three waves; `kubectl rollout history`
// lists the revisions and `drover rollout undo` puts the previous template back, which the
// Rollout rolls out in its waves again. hostNetwork, as in rollout.test.ts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Rollout } from '../../shared/api/rollout.js';
import type { Pod } from '../../shared/api/types.js';
import { getJson } from '../helpers/api.js';
import { drover, parseTable } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';
import { ready } from './pods-harness.js';
import { active, daemonSetYaml, PodWatch, WorkloadCluster } from './workloads-harness.js';

const CANARY = ['rr-1', 'rr-2'];
const MAIN = ['rr-3', 'rr-4', 'rr-5', 'rr-6'];
// The bad version fails the canary gate at its first restart, which comes after the agent's
// crash back-off: 1 s instead of kubelet's 10 s, the same restart sooner.
const c = new WorkloadCluster(
  [...CANARY, ...MAIN].map((name) => ({ name })),
  [],
  ['--crash-backoff-base', '1s'],
);
const SEL = 'app=ringd';
let watch: PodWatch | undefined;

test.before(async () => {
  await c.start();
  // Rings are the fleet operator's labels (an agent may set only allowlisted keys on its Node).
  for (const [ring, nodes] of [
    ['canary', CANARY],
    ['main', MAIN],
  ] as const) {
    const l = await c.k(['label', 'node', ...nodes, `ring=${ring}`]);
    assert.is(l.code, 0, l.stderr);
  }
  watch = await PodWatch.start(c.hub.apiUrl, SEL);
});
test.after(async () => {
  await watch?.stop();
  await c.stop();
});

const ds = (command: string) => daemonSetYaml({ name: 'ringd', command });

const ROLLOUT = `apiVersion: drover.io/v1alpha1
kind: Rollout
metadata:
  name: ringd
spec:
  targetRef: {kind: DaemonSet, name: ringd}
  waves:
  - name: canary
    selector: {matchLabels: {ring: canary}}
  - name: half
    percent: 50
  - name: rest
  gate: {soakSeconds: 1, boardTimeoutSeconds: 60}
`;

/** A good version: runs until stopped, and stops at once on SIGTERM (no grace period to wait out). */
const serve = (version: number) => `trap 'exit 0' TERM; echo version ${version}; sleep 3600 & wait`;

const rollout = () =>
  getJson<Rollout>(c.hub.apiUrl, '/apis/drover.io/v1alpha1/namespaces/default/rollouts/ringd');
const rev = (p: Pod) => p.metadata.labels?.['controller-revision-hash'] ?? '';
const cli = (...args: string[]) => drover([...args, '--kubeconfig', c.hub.kubeconfig]);

async function waitRollout(what: string, pred: (ro: Rollout) => boolean): Promise<Rollout> {
  return waitFor(
    async () => {
      const ro = await rollout();
      return pred(ro) ? ro : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, what },
  ).catch(async (e: Error) => {
    const pods = (await c.pods(SEL)).map((p) => [p.spec.nodeName, rev(p), p.status?.phase]);
    throw new Error(
      `${e.message}\n${JSON.stringify((await rollout()).status)}\n${JSON.stringify(pods)}\n${c.tails()}`,
    );
  });
}

/** Every board runs one Ready pod of the revision. */
async function allOn(revision: string, what: string): Promise<void> {
  await waitFor(
    async () => {
      const pods = (await c.pods(SEL)).filter(active);
      return pods.length === 6 && pods.every((p) => rev(p) === revision && ready(p));
    },
    { timeoutMs: 60_000, intervalMs: 200, what },
  );
}

/** Boards that ever had a pod of the revision (the watch keeps deleted pods). */
const boardsThatRan = (revision: string) =>
  [
    ...new Set(
      [...(watch?.ever.values() ?? [])].filter((p) => rev(p) === revision).map((p) => p.spec.nodeName),
    ),
  ].sort();

test('6 boards in two rings: a bad version stops at the canary and is rolled back; a good one completes; history and undo', async () => {
  const applied = await c.apply(`${ds(serve(1))}---\n${ROLLOUT}`);
  assert.is(applied.code, 0, applied.stderr);
  const healthy = await waitRollout(
    'rollout Healthy on 6 boards',
    (ro) => ro.status?.phase === 'Healthy' && ro.status.boards === 6,
  );
  const stable = healthy.status?.stableRevision ?? '';
  await allOn(stable, 'a Ready pod on each of the 6 boards');

  const bad = await c.apply(ds('exit 1'));
  assert.is(bad.code, 0, bad.stderr);
  const rolledBack = await waitRollout('rollout RolledBack', (ro) => ro.status?.phase === 'RolledBack');
  const badRev = rolledBack.status?.failedRevision ?? '';
  assert.ok(badRev && badRev !== stable);
  const everSeen = () =>
    JSON.stringify(
      [...(watch?.ever.values() ?? [])].map((p) => [
        p.spec.nodeName,
        rev(p),
        p.metadata.creationTimestamp,
        p.metadata.deletionTimestamp,
      ]),
    );
  const dsNow = await c.k(['get', 'ds', 'ringd', '-o', 'jsonpath={.spec.updateStrategy}']);
  assert.equal(
    boardsThatRan(badRev),
    CANARY,
    `only the canary ring ever ran the bad version: ${everSeen()} ${dsNow.stdout} ${JSON.stringify(rolledBack.status)}`,
  );
  assert.equal(
    rolledBack.status?.waves?.map((w) => [w.name, w.boards, w.updated]),
    [
      ['canary', 2, 2],
      ['half', 2, 0],
      ['rest', 2, 0],
    ],
  );
  assert.ok((rolledBack.status?.waves?.[0]?.failed ?? 0) >= 1, 'the canary wave shows its failed boards');
  await allOn(stable, 'every board back on the stable revision');
  assert.equal(boardsThatRan(badRev), CANARY, 'still only the canary ring ran the bad version');

  const good = await c.apply(ds(serve(2)));
  assert.is(good.code, 0, good.stderr);
  const done = await waitRollout(
    'rollout Completed on the good version',
    (ro) => ro.status?.phase === 'Completed' && ro.status.stableRevision !== stable,
  );
  const goodRev = done.status?.stableRevision ?? '';
  assert.equal(
    done.status?.waves?.map((w) => [w.name, w.boards, w.healthy, w.failed]),
    [
      ['canary', 2, 2, 0],
      ['half', 2, 2, 0],
      ['rest', 2, 2, 0],
    ],
  );
  await allOn(goodRev, 'every board on the good version');

  // History: the first template (renumbered by the rollback to it), the bad one, the good one.
  const hist = await c.k(['rollout', 'history', 'ds/ringd']);
  assert.is(hist.code, 0, hist.stderr);
  const revisions = parseTable(hist.stdout.replace(/^daemonset\.apps\/ringd\s*\n/, ''))
    .map((r) => Number(r.REVISION))
    .sort((a, b) => a - b);
  assert.is(revisions.length, 3, hist.stdout);
  const last = await c.k(['rollout', 'history', 'ds/ringd', `--revision=${revisions[2]}`]);
  assert.match(last.stdout, /version 2/, 'the newest revision is the good version');

  // Undo: the previous revision (the first template) back, rolled out in the waves.
  const undo = await cli('rollout', 'undo', 'ringd');
  assert.is(undo.code, 0, undo.stderr);
  assert.match(undo.stdout, new RegExp(`daemonset/ringd back to revision ${revisions[1]}`));
  const undone = await waitRollout(
    'rollout Completed back on the first template',
    (ro) => ro.status?.phase === 'Completed' && ro.status.stableRevision === stable,
  );
  assert.equal(
    undone.status?.waves?.map((w) => [w.name, w.healthy]),
    [
      ['canary', 2],
      ['half', 2],
      ['rest', 2],
    ],
  );
  await allOn(stable, 'every board on the first template again');
  const status = await cli('rollout', 'status', 'ringd');
  assert.is(status.code, 0, status.stdout);
  assert.match(status.stdout, /6\/6 boards \(100%\)/);
});

test.run();
