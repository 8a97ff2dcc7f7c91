// Property suite over the node restriction gate (pure functions, generated hostile reports):
// whatever a board sends, decoding plus the gate either refuses it (ProtocolError or a list
// of broken rules) or admits something that keeps every rule; it never throws anything else.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resourceMax, REPORT_LIMITS } from '../../../hub/gateway/restriction/limits.js';
import { labelsAfterReport } from '../../../hub/gateway/restriction/node-labels.js';
import { nodeStatusProblems } from '../../../hub/gateway/restriction/node-status.js';
import { podStatusAfterReport } from '../../../hub/gateway/restriction/pod-status.js';
import { eventAfterReport } from '../../../hub/gateway/restriction/events.js';
import { statusFromReport } from '../../../hub/gateway/status.js';
import { assertProperty } from '../../helpers/property.js';
import { isAgentLabelKey } from '../../../shared/api/node-labels.js';
import { parseQuantity } from '../../../shared/api/quantity.js';
import type { Pod } from '../../../shared/api/types.js';
import {
  parseAgentEvent,
  parseNodeStatusReport,
  parsePodStatusReport,
  ProtocolError,
} from '../../../shared/protocol/messages.js';

const RUNS = 300;

/** Mostly the honest value, sometimes a hostile one: about a third of the reports are all honest. */
const mostly = <T, U>(honest: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 12, arbitrary: honest }, { weight: 1, arbitrary: hostile });

// biome-ignore lint/suspicious/noControlCharactersInRegex: checks that none got through
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const hostileString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', '__proto__', 'constructor', '\u001b[2J', '\ud800', 'a\u0000b', 'é', 'x'.repeat(70)),
  fc.integer({ min: 1, max: 5000 }).map((n) => 'y'.repeat(n)),
);
const quantity = fc.oneof(
  fc.constantFrom('4', '250m', '3881Mi', '1e12', '-64', '1e308', '1k', '1.5', 'NaN', '', '0x10', '1Ei'),
  fc.integer().map(String),
  fc.double().map(String),
  fc.double(),
  fc.anything(),
);
const resourceName = fc.oneof(
  fc.constantFrom(
    'cpu',
    'memory',
    'pods',
    'ephemeral-storage',
    'hugepages-2Mi',
    'example.com/gpu',
    'kubernetes.io/x',
  ),
  hostileString,
);
const resources = fc.dictionary(resourceName, quantity, { maxKeys: 6 });
const labelKey = fc.oneof(
  fc.constantFrom(
    'kubernetes.io/hostname',
    'kubernetes.io/arch',
    'node-role.kubernetes.io/control-plane',
    'topology.kubernetes.io/zone',
    'drover.io/board',
    'example.com/tier',
    'zone',
  ),
  hostileString,
);
const labels = fc.oneof(
  fc.dictionary(labelKey, hostileString, { maxKeys: 8 }),
  fc
    .integer({ min: 60, max: 2000 })
    .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`drover.io/l${i}`, 'v']))),
);
const condition = fc.record({
  type: fc.oneof(fc.constantFrom('Ready', 'MemoryPressure', 'Ready'), hostileString),
  status: fc.oneof(fc.constantFrom('True', 'False', 'Unknown'), hostileString),
  message: fc.option(hostileString, { nil: undefined }),
  reason: fc.option(hostileString, { nil: undefined }),
});
const text = fc.oneof(fc.constantFrom('linux', 'arm64', 'Debian GNU/Linux 12'), hostileString);

const honestConditions = fc.constant([
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready\tand\nwell' },
  { type: 'MemoryPressure', status: 'False' },
]);
const nodeReport = fc.record({
  v: fc.constant(1),
  nodeName: fc.constant('board-a'),
  bootID: mostly(fc.constant('boot-1'), text),
  labels: mostly(
    fc.constantFrom(undefined, {}, { 'drover.io/board': 'pi4', 'topology.kubernetes.io/zone': 'z1' }),
    labels,
  ),
  capacity: mostly(
    fc.constant({ cpu: '4', memory: '3881Mi', pods: '110', 'example.com/gpu': '2' }),
    resources,
  ),
  allocatable: mostly(fc.constantFrom({ cpu: '3500m', memory: '3625Mi', pods: '110' }, {}), resources),
  conditions: mostly(honestConditions, fc.array(condition, { maxLength: 20 })),
  addresses: mostly(
    fc.constant([{ type: 'InternalIP', address: '10.0.0.7' }]),
    fc.array(fc.record({ type: text, address: text }), { maxLength: 20 }),
  ),
  nodeInfo: fc.record({
    architecture: mostly(fc.constantFrom('arm64', 'amd64'), text),
    operatingSystem: mostly(fc.constant('linux'), text),
    kernelVersion: mostly(fc.constant('6.1.0'), text),
    osImage: mostly(fc.constant('Debian GNU/Linux 12'), text),
    extra: mostly(fc.constant(undefined), fc.anything()),
  }),
  images: mostly(
    fc.constantFrom(undefined, [{ names: ['nginx:1'], sizeBytes: 1000 }]),
    fc.array(fc.record({ names: fc.array(text, { maxLength: 8 }), sizeBytes: fc.double() }), {
      maxLength: 60,
    }),
  ),
  junk: mostly(fc.constant(undefined), fc.anything({ maxDepth: 4 })),
});

/** The decoded message, or undefined when decoding refused it (with a ProtocolError, nothing else). */
function decoded<T>(parse: (text: string) => T, raw: unknown): T | undefined {
  try {
    return parse(JSON.stringify(raw));
  } catch (e) {
    assert.instance(e, ProtocolError);
    return undefined;
  }
}

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(k, ...strings(x));
  return out;
}

test('node status: refused, or admitted with allowlisted labels, sane quantities and clean strings', async () => {
  let admitted = 0;
  await assertProperty(
    fc.property(nodeReport, (raw) => {
      const r = decoded(parseNodeStatusReport, raw);
      if (!r) return;
      if (nodeStatusProblems(r).length > 0) return; // refused whole
      admitted++;
      const meta = labelsAfterReport({}, 'board-a', r);
      const l = meta?.labels ?? {};
      assert.is(l['kubernetes.io/hostname'], 'board-a');
      assert.ok(Object.keys(r.labels ?? {}).every(isAgentLabelKey));
      assert.ok(Object.keys(r.labels ?? {}).length <= REPORT_LIMITS.maxLabels);
      const s = statusFromReport(undefined, r, Date.now());
      for (const list of [s.capacity, s.allocatable])
        for (const [k, q] of Object.entries(list ?? {})) {
          const v = parseQuantity(q);
          assert.ok(v >= 0 && v <= resourceMax(k), `${k}=${q}`);
        }
      for (const [k, q] of Object.entries(s.allocatable ?? {}))
        assert.ok(parseQuantity(q) <= parseQuantity(s.capacity?.[k] ?? 'x'), `allocatable ${k}`);
      const types = (s.conditions ?? []).map((c) => c.type);
      assert.is(new Set(types).size, types.length);
      assert.ok((s.conditions ?? []).every((c) => ['True', 'False', 'Unknown'].includes(c.status)));
      for (const x of strings(s)) assert.ok(!CONTROL.test(x) && !LONE.test(x), JSON.stringify(x));
    }),
    { numRuns: RUNS },
  );
  assert.ok(
    admitted >= RUNS / 10,
    `only ${admitted} of ${RUNS} admitted: the generator is too hostile to test admission`,
  );
});

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { nodeName: 'board-a', containers: [{ name: 'c', image: 'nginx' }] },
  status: {
    phase: 'Running',
    qosClass: 'Burstable',
    nominatedNodeName: 'board-z',
    conditions: [{ type: 'DisruptionTarget', status: 'True' }],
  },
};

const containerStatus = fc.record({
  name: fc.oneof(fc.constant('c'), hostileString),
  ready: fc.oneof(fc.boolean(), fc.anything()),
  restartCount: fc.oneof(fc.integer(), fc.double(), fc.anything()),
  image: text,
  imageID: text,
  state: fc.option(fc.anything({ maxDepth: 3 }), { nil: undefined }),
});

const podReport = fc.record({
  v: fc.constant(1),
  uid: fc.constant('u1'),
  status: fc.record(
    {
      phase: mostly(fc.constantFrom('Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'), hostileString),
      conditions: mostly(
        fc.constant([{ type: 'Ready', status: 'True' }]),
        fc.array(condition, { maxLength: 20 }),
      ),
      message: mostly(fc.constant('ok'), hostileString),
      reason: mostly(fc.constant('Started'), hostileString),
      podIP: mostly(fc.constantFrom('10.0.0.9', 'fd00::1'), hostileString),
      qosClass: mostly(fc.constant('BestEffort'), hostileString),
      nominatedNodeName: mostly(fc.constant('board-b'), hostileString),
      containerStatuses: mostly(
        fc.constant([
          {
            name: 'c',
            ready: true,
            restartCount: 2,
            image: 'nginx',
            imageID: 'sha256:1',
            state: { running: {} },
          },
        ]),
        fc.array(containerStatus, { maxLength: 4 }),
      ),
      junk: mostly(fc.constant(undefined), fc.anything({ maxDepth: 3 })),
    },
    { requiredKeys: ['phase'] },
  ),
});

test('pod status: refused, or admitted with API-set fields kept and only spec containers', async () => {
  let admitted = 0;
  await assertProperty(
    fc.property(podReport, (raw) => {
      const r = decoded(parsePodStatusReport, raw);
      if (!r) return;
      const { status, problems } = podStatusAfterReport(structuredClone(pod), r.status);
      if (problems.length > 0) return;
      admitted++;
      assert.is(status.qosClass, 'Burstable');
      assert.is(status.nominatedNodeName, 'board-z');
      assert.ok(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'].includes(status.phase ?? ''));
      assert.ok(
        status.conditions?.some((c) => c.type === 'DisruptionTarget'),
        'a condition the node does not own is kept',
      );
      for (const c of status.containerStatuses ?? []) {
        assert.is(c.name, 'c');
        assert.ok(Number.isInteger(c.restartCount) && c.restartCount >= 0);
      }
      for (const x of strings(status)) assert.ok(!CONTROL.test(x) && !LONE.test(x), JSON.stringify(x));
    }),
    { numRuns: RUNS },
  );
  assert.ok(
    admitted >= RUNS / 10,
    `only ${admitted} of ${RUNS} admitted: the generator is too hostile to test admission`,
  );
});

const eventReport = fc.record({
  v: fc.constant(1),
  involvedObject: fc.record({
    kind: fc.constantFrom('Node', 'Pod', 'Secret'),
    name: text,
    namespace: text,
    uid: text,
  }),
  type: fc.constantFrom('Normal', 'Warning', 'FUZZ'),
  reason: hostileString,
  message: fc.oneof(
    hostileString,
    fc.integer({ min: 1000, max: 200_000 }).map((n) => '\u001b'.repeat(n)),
  ),
  time: fc.oneof(fc.integer(), fc.anything()),
});

test('events: refused, or admitted with a bounded reason and a clean message of at most 1 KiB', async () => {
  let admitted = 0;
  await assertProperty(
    fc.property(eventReport, (raw) => {
      const ev = decoded(parseAgentEvent, raw);
      if (!ev) return;
      const { event, problems } = eventAfterReport(ev);
      if (problems.length > 0) return;
      admitted++;
      assert.ok(event.message.length <= REPORT_LIMITS.maxEventMessageChars);
      assert.ok(!CONTROL.test(event.message) && !LONE.test(event.message));
      assert.ok(event.reason.length > 0 && event.reason.length <= REPORT_LIMITS.maxEventReasonChars);
      assert.ok(!CONTROL.test(event.reason));
    }),
    { numRuns: RUNS },
  );
  assert.ok(
    admitted >= RUNS / 10,
    `only ${admitted} of ${RUNS} admitted: the generator is too hostile to test admission`,
  );
});

test.run();
