import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initialState, nextState, type ProbeKind, probeSettings } from '../../../agent/pods/probe-state.js';

test('Kubernetes defaults', () => {
  assert.equal(probeSettings({ exec: { command: ['true'] } }, 'readiness'), {
    initialDelayMs: 0,
    periodMs: 10_000,
    timeoutMs: 1000,
    successThreshold: 1,
    failureThreshold: 3,
  });
});

test('liveness and startup force successThreshold 1', () => {
  assert.is(probeSettings({ successThreshold: 3 }, 'liveness').successThreshold, 1);
  assert.is(probeSettings({ successThreshold: 3 }, 'startup').successThreshold, 1);
  assert.is(probeSettings({ successThreshold: 3 }, 'readiness').successThreshold, 3);
});

test('initial results', () => {
  const want: Record<ProbeKind, string> = { readiness: 'failure', liveness: 'success', startup: 'unknown' };
  for (const k of Object.keys(want) as ProbeKind[]) assert.is(initialState(k).result, want[k]);
});

const table: { name: string; kind: ProbeKind; probe: object; outcomes: boolean[]; want: string[] }[] = [
  {
    name: 'liveness fails after 3 in a row',
    kind: 'liveness',
    probe: {},
    outcomes: [false, false, false],
    want: ['success', 'success', 'failure'],
  },
  {
    name: 'a success resets the failure run',
    kind: 'liveness',
    probe: {},
    outcomes: [false, false, true, false, false],
    want: ['success', 'success', 'success', 'success', 'success'],
  },
  {
    name: 'readiness ready at first success',
    kind: 'readiness',
    probe: {},
    outcomes: [true, false, false, false],
    want: ['success', 'success', 'success', 'failure'],
  },
  {
    name: 'readiness successThreshold 2',
    kind: 'readiness',
    probe: { successThreshold: 2 },
    outcomes: [true, true],
    want: ['failure', 'success'],
  },
  {
    name: 'failureThreshold 1',
    kind: 'liveness',
    probe: { failureThreshold: 1 },
    outcomes: [false],
    want: ['failure'],
  },
  {
    name: 'startup unknown until success',
    kind: 'startup',
    probe: {},
    outcomes: [false, true],
    want: ['unknown', 'success'],
  },
];
for (const t of table) {
  test(`nextState: ${t.name}`, () => {
    const cfg = probeSettings(t.probe, t.kind);
    let s = initialState(t.kind);
    const got = t.outcomes.map((o) => {
      s = nextState(s, o, cfg);
      return s.result;
    });
    assert.equal(got, t.want);
  });
}

test.run();
