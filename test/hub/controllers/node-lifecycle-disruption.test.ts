// Node lifecycle after a hub start and under mass outage, against the real API (SQLite in a
// temp dir) with heartbeats written into the lease table by hand, as the gateway would:
// - start-up grace: a node not heard from since the start keeps its state for a full grace,
//   even when a last will marked it disconnected (the reconnect storm after a restart);
// - the same grace from when a node's hub was found dead (several hubs), and no marking of a
//   disconnected node while the broker sheds attempts (it may be one shed, in its backoff);
// - zone disruption: when most nodes of a zone are not ready at once they get the NoSchedule
//   health taint only (no eviction); a zone back to normal gets NoExecute on the nodes still down.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  NodeLifecycleController,
  REASON_DISCONNECTED,
  REASON_STATUS_UNKNOWN,
} from '../../../hub/controllers/node-lifecycle.js';
import { ZONE_LABEL } from '../../../hub/controllers/zone-health.js';
import { EventRecorder } from '../../../hub/events/recorder.js';
import { LeaseTable } from '../../../hub/leases.js';
import type { Node, NodeCondition } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { RECONNECT_LONGEST_WAIT_MS, TAINT_UNREACHABLE } from '../../../shared/protocol/constants.js';
import { node, startApi, type TestApi } from '../api/helpers.js';
import { waitFor } from './wait.js';

const GRACE_MS = 1000;
/** A node not heard from since the start keeps its state this long (the controller's default). */
const STARTUP_GRACE_MS = GRACE_MS + RECONNECT_LONGEST_WAIT_MS;
const log = createLogger('test', 40);
let t: TestApi;

test.before(async () => {
  t = await startApi();
});
test.after(async () => {
  await t.stop();
});

const c = () => t.api.client;
const get = (n: string) => c().get<Node>('nodes', undefined, n);
const ready = (n: Node): NodeCondition | undefined => n.status?.conditions?.find((x) => x.type === 'Ready');
const effects = (n: Node) =>
  (n.spec.taints ?? [])
    .filter((x) => x.key === TAINT_UNREACHABLE)
    .map((x) => x.effect)
    .sort()
    .join(',');

async function mkNode(name: string, zone?: string): Promise<void> {
  const n = node(name) as unknown as Node;
  if (zone) n.metadata.labels = { ...n.metadata.labels, [ZONE_LABEL]: zone };
  await c().create<Node>('nodes', undefined, n);
}

/** A node registered registeredAgoMs ago (written to the store: the API stamps creation with now). */
async function mkNodeRegistered(name: string, registeredAgoMs: number): Promise<void> {
  const n = node(name) as unknown as Node;
  // Milliseconds kept (the API writes whole seconds): the 1 s grace here is finer than that.
  const at = new Date(Date.now() - registeredAgoMs).toISOString();
  n.metadata = { ...n.metadata, uid: `uid-${name}`, creationTimestamp: at };
  await t.store.create(`/registry/nodes/${name}`, JSON.stringify(n));
}

function controller(leases: LeaseTable, startTimeMs: number, lastShedAtMs?: number): NodeLifecycleController {
  return new NodeLifecycleController({
    client: c(),
    leases,
    recorder: new EventRecorder({ client: c(), component: 'node-controller', log }),
    gracePeriodMs: GRACE_MS,
    startTimeMs,
    lastShedAtMs: () => lastShedAtMs,
    log,
  });
}

// Nodes registered before the hub started, unless registeredAgoMs says otherwise.
const STARTUP_CASES: {
  what: string;
  heardAgoMs?: number;
  will: boolean;
  startedAgoMs: number;
  registeredAgoMs?: number;
  /** Its hub was found dead this long ago. */
  orphanedAgoMs?: number;
  /** The broker last shed an attempt this long ago. */
  shedAgoMs?: number;
  want: 'kept' | 'Unknown';
  /** The Unknown reason; default AgentDisconnected. */
  reason?: string;
}[] = [
  // Upstream probes a node never heard from from its CreationTimestamp; with several hubs a board
  // registers through its own hub before its first heartbeat reaches the leader.
  {
    what: 'registered after the start, not heard, will, start grace over but not registration grace',
    will: true,
    startedAgoMs: 2 * GRACE_MS,
    registeredAgoMs: 0,
    want: 'kept',
  },
  { what: 'not heard since start, will, within grace', will: true, startedAgoMs: 0, want: 'kept' },
  { what: 'not heard since start, connected, within grace', will: false, startedAgoMs: 0, want: 'kept' },
  {
    // An agent in reconnect backoff tries only every RECONNECT_LONGEST_WAIT_MS.
    what: 'not heard since start, grace over but within the longest reconnect wait',
    will: false,
    startedAgoMs: 2 * GRACE_MS,
    want: 'kept',
  },
  {
    what: 'not heard since start, will, start-up grace over',
    will: true,
    startedAgoMs: STARTUP_GRACE_MS + GRACE_MS,
    want: 'Unknown',
  },
  { what: 'heard since start, then will', heardAgoMs: 10, will: true, startedAgoMs: 0, want: 'Unknown' },
  // Several hubs: the board's hub died (no will reaches anyone); its grace starts when that was found.
  {
    what: 'last heard 2 graces ago, its hub found dead just now',
    heardAgoMs: 2 * GRACE_MS,
    will: false,
    startedAgoMs: 10 * GRACE_MS,
    orphanedAgoMs: 0,
    want: 'kept',
  },
  {
    what: 'its hub found dead longer ago than the start-up grace, not heard since',
    heardAgoMs: STARTUP_GRACE_MS + 3 * GRACE_MS,
    will: false,
    startedAgoMs: STARTUP_GRACE_MS + 10 * GRACE_MS,
    orphanedAgoMs: STARTUP_GRACE_MS + GRACE_MS,
    want: 'Unknown',
    reason: REASON_STATUS_UNKNOWN,
  },
  // The broker sheds: a board that lost its connection may be one shed, waiting its backoff.
  {
    what: 'will 2 graces ago, the broker shed an attempt just now',
    heardAgoMs: 2 * GRACE_MS,
    will: true,
    startedAgoMs: 10 * GRACE_MS,
    shedAgoMs: 0,
    want: 'kept',
  },
  {
    what: 'will 2 graces ago, the last shed attempt longer ago than the longest reconnect wait',
    heardAgoMs: RECONNECT_LONGEST_WAIT_MS + 2 * GRACE_MS,
    will: true,
    startedAgoMs: RECONNECT_LONGEST_WAIT_MS + 10 * GRACE_MS,
    shedAgoMs: RECONNECT_LONGEST_WAIT_MS + GRACE_MS,
    want: 'Unknown',
  },
  {
    what: 'connected but silent for 2 graces while the broker sheds (shedding does not explain silence)',
    heardAgoMs: 2 * GRACE_MS,
    will: false,
    startedAgoMs: 10 * GRACE_MS,
    shedAgoMs: 0,
    want: 'Unknown',
    reason: REASON_STATUS_UNKNOWN,
  },
];

for (const [i, tc] of STARTUP_CASES.entries()) {
  test(`start-up grace: ${tc.what} -> ${tc.want}`, async () => {
    const name = `startup-${i}`;
    await mkNodeRegistered(name, tc.registeredAgoMs ?? tc.startedAgoMs + 10 * GRACE_MS);
    const leases = new LeaseTable();
    const now = Date.now();
    if (tc.heardAgoMs !== undefined) leases.recordHeartbeat(name, now - tc.heardAgoMs);
    if (tc.will) leases.markDisconnected(name);
    if (tc.orphanedAgoMs !== undefined) leases.markOrphaned(name, now - tc.orphanedAgoMs);
    const shedAt = tc.shedAgoMs === undefined ? undefined : now - tc.shedAgoMs;
    // reconcile() directly: one deterministic pass, no runner timing involved.
    const r = await controller(leases, now - tc.startedAgoMs, shedAt).reconcile(name);
    const n = await get(name);
    if (tc.want === 'kept') {
      assert.is(ready(n)?.status, 'True', 'state kept through the grace');
      assert.is(effects(n), '');
      assert.ok((r?.requeueAfterMs ?? 0) > 0, 'looks again when the grace ends');
    } else {
      assert.is(ready(n)?.status, 'Unknown');
      assert.is(ready(n)?.reason, tc.reason ?? REASON_DISCONNECTED);
      assert.is(effects(n), 'NoExecute,NoSchedule');
    }
  });
}

test('zone disruption: most nodes of a zone down -> NoSchedule only; recovery -> NoExecute on the rest', async () => {
  const down = ['down-0', 'down-1', 'down-2', 'down-3'];
  const up = ['up-0', 'up-1', 'up-2', 'up-3'];
  for (const n of down) await mkNode(n, 'z-down');
  for (const n of up) await mkNode(n, 'z-up');
  const leases = new LeaseTable();
  const ctl = controller(leases, Date.now() - 10 * STARTUP_GRACE_MS);
  const alive = new Set(up.slice(0, 3));
  const beat = () => {
    for (const n of alive) {
      leases.recordHeartbeat(n);
      ctl.onActivity(n);
    }
  };
  beat();
  const timer = setInterval(beat, 100);
  try {
    await ctl.start();
    const settled = async (names: string[], status: string, want: string) => {
      for (const n of names) {
        const x = await get(n);
        if (ready(x)?.status !== status || effects(x) !== want) return false;
      }
      return true;
    };
    // z-down: 4 of 4 not ready (FullDisruption); z-up: 1 of 4 (Normal).
    await waitFor('z-down Unknown with NoSchedule only', () => settled(down, 'Unknown', 'NoSchedule'));
    await waitFor('up-3 evictable', () => settled(['up-3'], 'Unknown', 'NoExecute,NoSchedule'));
    assert.ok(await settled(up.slice(0, 3), 'True', ''), 'heartbeating nodes untouched');

    // Three of z-down come back: 1 of 4 not ready, the zone is normal again.
    for (const n of down.slice(0, 3)) alive.add(n);
    beat();
    await waitFor('z-down back', () => settled(down.slice(0, 3), 'True', ''));
    await waitFor('down-3 evictable', () => settled(['down-3'], 'Unknown', 'NoExecute,NoSchedule'));
  } finally {
    clearInterval(timer);
    await ctl.stop();
  }
});

test.run();
