// The agent's send window against a real aedes broker that is slow to acknowledge (a busy hub):
// a burst of reports at connect never has more than SEND_WINDOW_BYTES of QoS 1 publishes
// unacknowledged, and each pod's latest status still arrives (agent/outbox.ts).

import type { MqttClient } from 'mqtt';
import type { Packet } from 'mqtt-packet';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent, type PodRunner, type PodRunnerIo } from '../../agent/agent.js';
import { validateAgentConfig } from '../../agent/config.js';
import { publishPacketBytes, SEND_WINDOW_BYTES } from '../../agent/outbox.js';
import type { PodStatus } from '../../shared/api/types.js';
import { createLogger } from '../../shared/log.js';
import { startMiniHub } from '../helpers/mini-hub.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'abcdef.0123456789abcdef';
const PODS = 20;

function podStatus(i: number, phase: string): PodStatus {
  const at = new Date(Date.UTC(2026, 11, 4, 12, 0, i)).toISOString();
  return {
    phase,
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
      type,
      status: phase === 'Running' ? 'True' : 'False',
      lastTransitionTime: at,
    })),
    startTime: at,
    containerStatuses: [
      {
        name: 'app',
        ready: phase === 'Running',
        restartCount: 0,
        image: `registry.local/app-${i}:1.${i}`,
        imageID: `sha256:${i.toString(16).padStart(64, 'e')}`,
        containerID: `docker://${i.toString(16).padStart(64, 'c')}`,
        state:
          phase === 'Running' ? { running: { startedAt: at } } : { waiting: { reason: 'ContainerCreating' } },
      },
    ],
  } as PodStatus;
}

/** A pod side that, at each connect, reports every pod twice: Pending, then Running. */
function burstRunner(io: PodRunnerIo): PodRunner {
  const none = () => Promise.reject(new Error('no pods run here'));
  return {
    setDesired() {},
    start: async () => {},
    stop: async () => {},
    forgetRevision() {},
    resendAll() {
      for (const phase of ['Pending', 'Running'])
        for (let i = 0; i < PODS; i++) io.report('default', `pod-${i}`, `uid-${i}`, podStatus(i, phase));
    },
    logs: none,
    exec: none,
    podAddress: none,
  };
}

/** Bytes of QoS 1 publishes sent and not yet acknowledged, as the client's own packets show them. */
function watchUnacked(client: MqttClient, seen: { maxBytes: number; maxCount: number }) {
  const open = new Map<number, number>();
  let bytes = 0;
  client.on('packetsend', (p: Packet) => {
    if (p.cmd !== 'publish' || p.qos !== 1 || p.messageId === undefined) return;
    const n = publishPacketBytes(p.topic, Buffer.byteLength(p.payload), 1);
    open.set(p.messageId, n);
    bytes += n;
    seen.maxCount = Math.max(seen.maxCount, open.size);
    if (open.size > 1) seen.maxBytes = Math.max(seen.maxBytes, bytes);
  });
  client.on('packetreceive', (p: Packet) => {
    if (p.cmd !== 'puback' || p.messageId === undefined) return;
    bytes -= open.get(p.messageId) ?? 0;
    open.delete(p.messageId);
  });
}

test.after(() => cleanupTempDirs());

test('a burst at connect to a hub slow to acknowledge: the window holds and the latest of each pod arrives', async () => {
  const hub = await startMiniHub({ token: TOKEN, publishDelayMs: 25 });
  const seen = { maxBytes: 0, maxCount: 0 };
  const cfg = validateAgentConfig({
    hub: hub.url,
    name: 'board-1',
    dataDir: tempDir(),
    heartbeatInterval: '10s',
    token: TOKEN,
  });
  const agent = new Agent(cfg, createLogger('test-agent', 40), {
    pods: burstRunner,
    onClient: (c) => watchUnacked(c, seen),
  });
  try {
    await agent.start();
    const latest = () => {
      const m = new Map<string, string | undefined>();
      for (const r of hub.podStatuses) m.set(r.pod, r.phase);
      return m;
    };
    await waitFor(
      () =>
        hub.statuses.length > 0 &&
        latest().size === PODS &&
        [...latest().values()].every((p) => p === 'Running'),
      { what: 'the node status and every pod Running', timeoutMs: 20_000 },
    );
    assert.ok(seen.maxCount > 1, `several reports in flight at once (${seen.maxCount})`);
    assert.ok(
      seen.maxBytes <= SEND_WINDOW_BYTES,
      `at most ${SEND_WINDOW_BYTES} bytes unacknowledged with more than one in flight, saw ${seen.maxBytes}`,
    );
    // Pending reports still waiting when Running came were replaced, not sent.
    assert.ok(
      hub.podStatuses.length < 2 * PODS,
      `${hub.podStatuses.length} pod reports for ${2 * PODS} made`,
    );
  } finally {
    await agent.stop('test end');
    await hub.close();
  }
});

test.run();
