// Chaos: kill -9 of the hub in the middle of a fleet Rollout (drover.io/v1alpha1) of a
// DaemonSet on hollow boards (bench/sim: the real Agent with simulated pods), in three waves
// (ring=canary, 50% of the rest, the rest), then a restart on the same data dir. Checked: the
// rollout continues from where it stood and completes; no wave is redone (every write of the
// Rollout, followed by a watch across the restarts, keeps one revision and a current wave that
// never goes back) and no board is ordered twice (the hub's audit log holds exactly one pod
// delete by the rollout controller per board, each of a pod of the old revision; one pod of each
// revision ever existed per board). The full form kills the hub in the second and third waves.

import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { targetNode } from '../../hub/controllers/daemonset/placement.js';
import { Informer } from '../../hub/informers/informer.js';
import type { AuditEntry } from '../../hub/audit/log.js';
import type { Rollout } from '../../shared/api/rollout.js';
import type { Node, Pod } from '../../shared/api/types.js';
import { createLogger } from '../../shared/log.js';
import { killAll } from '../helpers/procs.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { daemonSetOf, setTemplateImage } from '../helpers/workloads.js';
import { ChaosCase, FULL } from './chaos-case.js';
import { type HubWithFleet, restartHub, startHubWithFleet } from './hub-fixtures.js';

const BOARDS = 30;
const CANARY = 3;
const APP = 'fleetd';
const OLD_IMAGE = 'fleetd:1';
const NEW_IMAGE = 'fleetd:2';
const ROLLOUT_USER = 'system:serviceaccount:kube-system:rollout-controller';
// The planned waves: the 3 canaries, ceil(50% of 27) = 14, the other 13.
const WAVES: [string, number][] = [
  ['canary', CANARY],
  ['half', 14],
  ['rest', 13],
];
/** Boards on the new template at which the hub is killed: past the canary, inside a later wave. */
const KILL_AT = FULL ? [CANARY + 1, CANARY + 14 + 1] : [CANARY + 1];
const HUB_ARGS = ['--heartbeat-interval', '1s', '--node-grace', '120s'];

let env: HubWithFleet | undefined;
let rollouts: Informer<Rollout> | undefined;

test.after(async () => {
  rollouts?.stop();
  await env?.stop();
  await killAll();
  cleanupTempDirs();
});

const imageOf = (p: Pod) => p.spec.containers[0]?.image ?? '';

/** The rollout controller's pod deletes in the hub's audit log (it lives in the data dir, kept across restarts). */
function rolloutDeletes(dataDir: string): AuditEntry[] {
  return readFileSync(join(dataDir, 'audit.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes(ROLLOUT_USER))
    .map((l) => JSON.parse(l) as AuditEntry)
    .filter((e) => e.user === ROLLOUT_USER && e.verb === 'delete' && e.resource === 'pods');
}

test(`hub kill -9 during a fleet Rollout on ${BOARDS} boards: it continues where it stood, no wave redone, no board ordered twice`, async () => {
  const cc = new ChaosCase(
    'hub-kill9-fleet-rollout',
    `kill -9 of the hub during a Rollout of a DaemonSet on ${BOARDS} boards in 3 waves`,
  );
  env = await startHubWithFleet({
    hubArgs: HUB_ARGS,
    boards: BOARDS,
    perProcess: BOARDS,
    podStartDelayMs: 1000,
  });
  const { client, tracker, pods } = env;
  let hub = env.hub;
  const dataDir = hub.dataDir;
  // Pod uids ever seen, per board and image.
  const seen = new Map<string, Set<string>>();
  const podsByName = new Map<string, Pod>();
  pods.addHandler({
    onChange: (_t, p) => {
      if (p.metadata.labels?.app !== APP) return;
      podsByName.set(p.metadata.name ?? '', p);
      const k = `${targetNode(p)} ${imageOf(p)}`;
      if (!seen.has(k)) seen.set(k, new Set());
      seen.get(k)?.add(p.metadata.uid ?? '');
    },
  });
  const live = (image: string) =>
    pods
      .list()
      .filter((p) => p.metadata.labels?.app === APP && imageOf(p) === image && !p.metadata.deletionTimestamp);

  const nodes = (await client.list<Node>('nodes', undefined)).items.map((n) => n.metadata.name ?? '').sort();
  for (const n of nodes.slice(0, CANARY))
    await client.patch<Node>('nodes', undefined, n, { metadata: { labels: { ring: 'canary' } } }, 'merge');
  await client.create('daemonsets', 'default', daemonSetOf(APP, OLD_IMAGE));
  await client.create<Rollout>('rollouts', 'default', {
    apiVersion: 'drover.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: APP, namespace: 'default' },
    spec: {
      targetRef: { kind: 'DaemonSet', name: APP },
      waves: [
        { name: 'canary', selector: { matchLabels: { ring: 'canary' } } },
        { name: 'half', percent: 50, maxInFlight: '50%' },
        { name: 'rest', percent: 100, maxInFlight: '50%' },
      ],
      gate: { soakSeconds: 2, boardTimeoutSeconds: 120 },
    },
  });
  const rollout = () => client.get<Rollout>('rollouts', 'default', APP);
  await waitFor(
    async () =>
      live(OLD_IMAGE).filter((p) => p.status?.phase === 'Running').length === BOARDS &&
      (await rollout()).status?.phase === 'Healthy',
    { timeoutMs: 120_000, intervalMs: 250, what: `${BOARDS} pods of ${OLD_IMAGE} Running, rollout Healthy` },
  );
  const stable = (await rollout()).status?.stableRevision;
  cc.did(
    `${BOARDS} hollow boards (${CANARY} labelled ring=canary), a DaemonSet of ${OLD_IMAGE} under a Rollout: Healthy`,
  );

  // Every state the Rollout is written in from here on, through the restarts (the informer's
  // watch resumes from the last resourceVersion it saw, so no write is missed).
  const states: { phase?: string; revision?: string; wave?: number }[] = [];
  rollouts = new Informer<Rollout>(client, 'rollouts', createLogger('test/rollouts', 40));
  rollouts.addHandler({
    onChange: (_t, ro) => {
      const s = ro.status;
      states.push({ phase: s?.phase, revision: s?.updateRevision, wave: s?.currentWave });
    },
  });
  await rollouts.start();

  await setTemplateImage(client, 'daemonsets', 'default', APP, NEW_IMAGE);
  cc.did(`the DaemonSet's image set to ${NEW_IMAGE}`);
  const atKill: { boards: number; wave?: number }[] = [];
  for (const at of KILL_AT) {
    const n = await waitFor(
      () => {
        const k = live(NEW_IMAGE).length;
        return k >= at ? k : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 20, what: `${at} boards on ${NEW_IMAGE}` },
    );
    assert.ok(n < BOARDS, `the rollout is still going at the kill (${n} boards updated)`);
    const wave = (await rollout()).status?.currentWave;
    atKill.push({ boards: n, wave });
    hub = await restartHub(hub, HUB_ARGS, 'SIGKILL');
    cc.did(
      `kill -9 of the hub with ${n} of ${BOARDS} boards on ${NEW_IMAGE} (wave ${wave}), restart on the same data dir`,
    );
  }

  const done = await waitFor(
    async () => {
      const ro = await rollout();
      return ro.status?.phase === 'Completed' && ro.status.stableRevision !== stable ? ro : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 250, what: 'the rollout Completed on the new revision' },
  );
  const revision = done.status?.updateRevision;
  assert.equal(
    done.status?.waves?.map((w) => [w.name, w.boards, w.healthy]),
    WAVES.map(([name, n]) => [name, n, n]),
    'every wave passed with all its boards healthy',
  );
  await waitFor(() => live(NEW_IMAGE).filter((p) => p.status?.phase === 'Running').length === BOARDS, {
    timeoutMs: 60_000,
    intervalMs: 250,
    what: `${BOARDS} pods of ${NEW_IMAGE} Running`,
  });
  assert.is(live(OLD_IMAGE).length, 0, `no pod of ${OLD_IMAGE} left`);
  cc.checked(
    `the rollout completed after ${KILL_AT.length} kill(s) at ${atKill.map((k) => `${k.boards} boards (wave ${k.wave})`).join(', ')}: waves ${WAVES.map(([w, n]) => `${w} ${n}/${n}`).join(', ')} healthy, every board Running ${NEW_IMAGE}`,
  );

  // No wave redone: from the change on, one revision, and the current wave never goes back.
  const from = states.findIndex((s) => s.revision === revision);
  assert.ok(from >= 0, 'the rollout of the new revision was seen');
  const rolling = states.slice(from);
  assert.equal(
    rolling.filter((s) => s.revision !== revision || s.phase === 'RollingBack'),
    [],
    'one revision rolled out, never rolled back',
  );
  const waves = rolling.map((s) => s.wave ?? 0);
  const back = waves.findIndex((w, i) => i > 0 && w < waves[i - 1]);
  assert.is(back, -1, `the current wave never went back: ${waves.join(',')}`);
  cc.checked(
    `${rolling.length} writes of the Rollout seen across the restarts: current wave ${[...new Set(waves)].join(' -> ')}, never back, one revision`,
  );

  // No board ordered twice: one delete per board, of its old pod; one pod of each image per board.
  const deletes = rolloutDeletes(dataDir);
  const perBoard = new Map<string, number>();
  for (const d of deletes) {
    const p = podsByName.get(d.name ?? '');
    assert.ok(p, `the deleted pod ${d.name} was seen`);
    assert.is(imageOf(p), OLD_IMAGE, `the rollout deleted only pods of ${OLD_IMAGE} (${d.name})`);
    const node = targetNode(p) ?? '';
    perBoard.set(node, (perBoard.get(node) ?? 0) + 1);
  }
  assert.equal(
    [...perBoard].filter(([, n]) => n !== 1),
    [],
    'no board ordered twice',
  );
  assert.is(perBoard.size, BOARDS, 'every board ordered once');
  for (const n of nodes)
    for (const image of [OLD_IMAGE, NEW_IMAGE])
      assert.is(seen.get(`${n} ${image}`)?.size, 1, `one pod of ${image} ever on ${n}`);
  assert.is(tracker.notReadyTransitions.length, 0, 'no board left Ready');
  cc.checked(
    `the audit log holds ${deletes.length} pod deletes by the rollout controller: one per board, each of its ${OLD_IMAGE} pod; one pod uid of each image ever per board; no board left Ready`,
  );
  cc.pass();
});

test.run();
