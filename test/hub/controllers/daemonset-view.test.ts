// The DaemonSet controller's kept picture of the fleet (hub/controllers/daemonset/view.ts): after
// any sequence of node and pod changes, judging only the nodes marked changed must decide what
// judging every node from scratch decides (states, creates, deletes, terminating pods, outdated,
// live revisions). Seeded random sequences over a small fleet; a failure prints its seed.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DaemonView, type JudgeInputs } from '../../../hub/controllers/daemonset/view.js';
import type { Node, Pod } from '../../../shared/api/types.js';

const HASH = 'new';

/** mulberry32: a small seeded generator. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const nodeOf = (name: string, region: string, tainted: boolean): Node =>
  ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { region } },
    spec: tainted ? { taints: [{ key: 'x', effect: 'NoSchedule' }] } : {},
  }) as Node;

// north: belongs; south: does not; a tainted north node keeps a pod but gets no new one.
const inputs = (surge: boolean): JudgeInputs => ({
  hash: HASH,
  surge,
  places: (n) => {
    const north = n.metadata.labels?.region === 'north';
    return { shouldRun: north && !n.spec.taints?.length, shouldContinueRunning: north };
  },
});

/** What a view decided, comparable. */
function decided(v: DaemonView) {
  const names = (ps: Pod[]) => ps.map((p) => p.metadata.name ?? '').sort();
  return {
    states: [...v.states].map(([n, s]) => `${n}:${s.shouldRun}:${names(s.pods).join(',')}`).sort(),
    creates: v.toCreate().sort(),
    deletes: names(v.toDelete()),
    terminating: names(v.terminating()),
    outdated: v.outdated(),
    revisions: [...v.liveRevisions()].sort(),
    counts: { ...v.counts },
  };
}

function run(seed: number, surge: boolean): void {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(r() * xs.length)];
  const nodes = new Map<string, Node>();
  const pods = new Map<string, Pod>();
  let serial = 0;
  const target = (p: Pod) => p.spec.nodeName;
  const sources = {
    nodes: { all: () => nodes.values(), get: (n: string) => nodes.get(n) },
    pods: {
      all: () => [...pods.values()],
      on: (n: string) => [...pods.values()].filter((p) => (target(p) ?? '') === n),
    },
  };
  const kept = new DaemonView('sig', HASH);
  kept.refresh(inputs(surge), sources.nodes, sources.pods, target);
  for (let step = 0; step < 300; step++) {
    const names = [...nodes.keys()];
    const podList = [...pods.values()];
    const x = r();
    if (x < 0.15 || names.length === 0) {
      const name = `n${Math.floor(r() * 12)}`;
      nodes.set(name, nodeOf(name, r() < 0.7 ? 'north' : 'south', r() < 0.15));
      kept.touch(name);
    } else if (x < 0.2) {
      const name = pick(names) ?? '';
      nodes.delete(name);
      kept.touch(name);
    } else if (x < 0.6) {
      // A pod on a node (sometimes one that does not exist, or none), of the template or an older one.
      const on = r() < 0.1 ? undefined : r() < 0.1 ? 'gone' : pick(names);
      const name = `p${serial++}`;
      pods.set(name, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: 'default',
          creationTimestamp: new Date(1_700_000_000_000 + Math.floor(r() * 100) * 1000).toISOString(),
          labels: { 'controller-revision-hash': r() < 0.6 ? HASH : 'old' },
        },
        spec: { ...(on ? { nodeName: on } : {}), containers: [{ name: 'c', image: 'i' }] },
      } as Pod);
      kept.touch(on ?? '');
    } else if (x < 0.85) {
      const p = pick(podList);
      if (!p) continue;
      const y = r();
      const next: Pod =
        y < 0.5
          ? { ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }
          : y < 0.7
            ? { ...p, status: { phase: 'Failed' } }
            : {
                ...p,
                status: {
                  phase: 'Running',
                  conditions: [{ type: 'Ready', status: y < 0.85 ? 'True' : 'False' }],
                },
              };
      pods.set(p.metadata.name ?? '', next);
      kept.touch(target(p) ?? '');
    } else {
      const p = pick(podList);
      if (!p) continue;
      pods.delete(p.metadata.name ?? '');
      kept.touch(target(p) ?? '');
    }
    // Several changes between reconciles, as the runner's coalescing gathers them.
    if (r() < 0.4) {
      kept.refresh(inputs(surge), sources.nodes, sources.pods, target);
      const fresh = new DaemonView('sig', HASH);
      fresh.refresh(inputs(surge), sources.nodes, sources.pods, target);
      assert.equal(decided(kept), decided(fresh), `seed ${seed}, surge ${surge}, step ${step}`);
    }
  }
}

test('judging only the nodes marked changed decides what judging every node decides', () => {
  for (let seed = 1; seed <= 40; seed++) {
    run(seed, false);
    run(seed, true);
  }
});

test('invalidate: the next refresh judges every node, also those never marked', () => {
  const nodes = new Map<string, Node>([['a', nodeOf('a', 'north', false)]]);
  const src = { all: () => nodes.values(), get: (n: string) => nodes.get(n) };
  const none = { all: () => [], on: () => [] };
  const v = new DaemonView('sig', HASH);
  v.refresh(inputs(false), src, none, () => undefined);
  assert.equal(v.toCreate(), ['a']);
  nodes.set('b', nodeOf('b', 'north', false)); // not marked: a kept view does not see it
  v.refresh(inputs(false), src, none, () => undefined);
  assert.equal(v.toCreate(), ['a']);
  v.invalidate();
  v.refresh(inputs(false), src, none, () => undefined);
  assert.equal(v.toCreate().sort(), ['a', 'b']);
});

test.run();
