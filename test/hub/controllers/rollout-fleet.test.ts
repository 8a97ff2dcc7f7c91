// A Rollout across 50 hollow boards (real hub process parts: API, store, broker, controllers;
// the fleet simulator's boards over MQTTS) in three waves: ring=canary, 50% of the rest, the
// rest. A bad image (its hollow containers crash) fails the canary gate: the whole fleet goes
// back to the stable revision and no board outside the canary ever got a pod of the bad one.
// A good image then goes through every wave, in order, to Completed; kubectl shows the kind.

import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Fleet, startFleet } from '../../../bench/sim/fleet.js';
import type { ApiWatch } from '../../../hub/api/client.js';
import { targetNode } from '../../../hub/controllers/daemonset/placement.js';
import { type Hub, startHub } from '../../../hub/hub.js';
import type { DaemonSet } from '../../../shared/api/apps.js';
import type { Rollout } from '../../../shared/api/rollout.js';
import type { Event, Node, Pod } from '../../../shared/api/types.js';
import { componentRefusals } from '../../helpers/component-refusals.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';
import { kubectl } from './fixtures.js';
import { daemonSetOf, setTemplateImage } from '../../helpers/workloads.js';

const BOARDS = 50;
const CANARY = ['hollow-3', 'hollow-17', 'hollow-29', 'hollow-41', 'hollow-48'];
const BAD = 'collector:bad';
let hub: Hub;
let fleet: Fleet;
let dataDir: string;
let watch: ApiWatch | undefined;
/** Every pod event in order, as the API's watch sends it. */
const seen: { type: string; pod: Pod }[] = [];

const c = () => hub.client;
const isReady = (n: Node) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
const podReady = (p: Pod) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
const rev = (p: Pod) => p.metadata.labels?.['controller-revision-hash'] ?? '';

test.before(async () => {
  dataDir = tempDir('drover-rollout-fleet-');
  hub = await startHub({
    dataDir,
    apiPort: 0,
    mqttPort: 0,
    mqttHost: '127.0.0.1',
    heartbeatIntervalMs: 1000,
    nodeGraceMs: 10_000,
    logLevel: 'warn',
  });
  fleet = await startFleet({
    hubUrl: hub.mqttUrl,
    caPem: hub.caPem,
    token: hub.bootstrapToken,
    nodes: BOARDS,
    nodesPerProcess: BOARDS,
    heartbeatIntervalMs: 1000,
    rampPerSecond: 50,
    podStartDelayMs: 100,
    crashImages: [BAD],
  });
  await waitFor(
    async () => (await c().list<Node>('nodes', undefined)).items.filter(isReady).length === BOARDS,
    { timeoutMs: 60_000, intervalMs: 250, what: `${BOARDS} hollow boards Ready` },
  );
  for (const n of CANARY)
    await c().patch<Node>('nodes', undefined, n, { metadata: { labels: { ring: 'canary' } } }, 'merge');
  watch = await c().watch<Pod>('pods', 'default', {}, (ev) => {
    if (ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') seen.push({ type: ev.type, pod: ev.object as Pod });
  });
});

test.after(async () => {
  watch?.close();
  await fleet?.stop();
  await hub?.stop();
  const refused = componentRefusals(dataDir);
  cleanupTempDirs();
  assert.equal(refused, [], 'no hub component refused by RBAC');
});

const setImage = (image: string) => setTemplateImage(c(), 'daemonsets', 'default', 'collector', image);

const rollout = () => c().get<Rollout>('rollouts', 'default', 'collector');

async function waitPhase(phase: string, timeoutMs: number): Promise<Rollout> {
  return waitFor(
    async () => {
      const ro = await rollout();
      return ro.status?.phase === phase ? ro : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `rollout ${phase}` },
  );
}

async function podsNow(): Promise<Pod[]> {
  return (await c().list<Pod>('pods', 'default', { labelSelector: 'app=collector' })).items;
}

test('a DaemonSet on 50 boards comes under a Rollout: OnDelete, stable revision recorded', async () => {
  await c().create<DaemonSet>('daemonsets', 'default', daemonSetOf('collector', 'collector:1'));
  await c().create<Rollout>('rollouts', 'default', {
    apiVersion: 'drover.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'collector', namespace: 'default' },
    spec: {
      targetRef: { kind: 'DaemonSet', name: 'collector' },
      waves: [
        { name: 'canary', selector: { matchLabels: { ring: 'canary' } } },
        { name: 'half', percent: 50, maxInFlight: '50%' },
        { name: 'rest', percent: 100 },
      ],
      gate: { soakSeconds: 1, boardTimeoutSeconds: 60 },
    },
  });
  await waitFor(
    async () => {
      const pods = await podsNow();
      return pods.length === BOARDS && pods.every((p) => p.status?.phase === 'Running' && podReady(p));
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `${BOARDS} daemon pods Running` },
  );
  const ro = await waitPhase('Healthy', 20_000);
  const ds = await c().get<DaemonSet>('daemonsets', 'default', 'collector');
  assert.is(ds.spec.updateStrategy?.type, 'OnDelete', 'the rollout decides which board updates');
  assert.is(ro.status?.stableRevision, rev((await podsNow())[0]));
  assert.is(ro.status?.boards, BOARDS);
});

test('a crashing image fails the canary gate: whole fleet rolled back, nothing past the canary touched', async () => {
  const stable = (await rollout()).status?.stableRevision;
  const from = seen.length;
  await setImage(BAD);
  const ro = await waitPhase('RolledBack', 90_000);
  const bad = ro.status?.failedRevision;
  assert.ok(bad && bad !== stable);
  const badNodes = new Set(
    seen
      .slice(from)
      .filter((e) => e.type === 'ADDED' && rev(e.pod) === bad)
      .map((e) => targetNode(e.pod)),
  );
  assert.ok(badNodes.size > 0, 'the canary got the bad revision');
  assert.equal(
    [...badNodes].filter((n) => !CANARY.includes(n ?? '')),
    [],
    'no board outside the canary wave ever got the bad revision',
  );
  assert.is(ro.status?.waves?.[0]?.name, 'canary');
  assert.ok((ro.status?.waves?.[0]?.failed ?? 0) >= 1, 'the canary wave shows its failed boards');
  assert.is(ro.status?.waves?.[1]?.updated, 0);
  assert.is(ro.status?.waves?.[2]?.updated, 0);
  const ds = await c().get<DaemonSet>('daemonsets', 'default', 'collector');
  assert.is(ds.spec.template.spec.containers[0].image, 'collector:1', 'template back to the stable revision');
  await waitFor(
    async () => {
      const pods = (await podsNow()).filter((p) => !p.metadata.deletionTimestamp);
      return pods.length === BOARDS && pods.every((p) => rev(p) === stable && podReady(p));
    },
    { timeoutMs: 30_000, intervalMs: 250, what: 'every board back on the stable revision' },
  );
  const events = await c().list<Event>('events', 'default');
  const reasons = events.items.filter((e) => e.involvedObject.kind === 'Rollout').map((e) => e.reason);
  assert.ok(reasons.includes('GateFailed') && reasons.includes('RolledBack'), reasons.join(','));
});

test('a good image passes every wave in order and completes; kubectl get rollouts shows it', async () => {
  const from = seen.length;
  await setImage('collector:2');
  const ro = await waitPhase('Completed', 120_000);
  const good = ro.status?.stableRevision ?? '';
  assert.is(ro.status?.updateRevision, good);
  assert.equal(
    ro.status?.waves?.map((w) => [w.name, w.boards, w.healthy]),
    [
      ['canary', 5, 5],
      ['half', 23, 23],
      ['rest', 22, 22],
    ],
  );
  // Order: no board outside the canary got the new revision before every canary pod was Ready.
  const events = seen.slice(from);
  const firstOther = events.findIndex(
    (e) => e.type === 'ADDED' && rev(e.pod) === good && !CANARY.includes(targetNode(e.pod) ?? ''),
  );
  assert.ok(firstOther > 0);
  const readyCanaries = new Set(
    events
      .slice(0, firstOther)
      .filter((e) => rev(e.pod) === good && podReady(e.pod) && CANARY.includes(targetNode(e.pod) ?? ''))
      .map((e) => targetNode(e.pod)),
  );
  assert.is(readyCanaries.size, CANARY.length, 'every canary Ready before the next wave began');
  const k = await kubectl(join(dataDir, 'kubeconfig'), 'get', 'rollouts', '-n', 'default');
  assert.is(k.code, 0, k.err);
  assert.match(k.out, /NAME\s+TARGET\s+PHASE\s+WAVE\s+UPDATED\s+AGE/);
  assert.match(k.out, /collector\s+daemonset\/collector\s+Completed\s+3\/3\s+50\/50/);
});

test.run();
