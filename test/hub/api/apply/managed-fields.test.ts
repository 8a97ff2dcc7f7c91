// Server-side apply's field ownership as pure logic (structured-merge-diff's rules): which
// fields an object sets, conflicts with other managers, force, removal of fields a manager no
// longer applies, keyed-list merge, and Update writes taking over what they change.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FieldSet, formatPath } from '../../../../hub/api/apply/field-set.js';
import { planApply, recordUpdate } from '../../../../hub/api/apply/managed-fields.js';
import { fieldsOf } from '../../../../hub/api/apply/structure.js';
import type { KubeObject } from '../../../../shared/api/types.js';

const shape = { statusIsSubresource: true };
const NOW = '2026-12-02T00:00:00Z';

function cm(data: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', ...extra }, data } as KubeObject;
}

function deploy(containers: Record<string, unknown>[]): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { template: { spec: { containers } } },
  } as KubeObject;
}

const managers = (o: KubeObject) =>
  ((o.metadata as { managedFields?: { manager: string; operation: string }[] }).managedFields ?? []).map(
    (e) => `${e.manager}/${e.operation}`,
  );

test('fieldsOf: leaves, keyed list elements with ".", set lists by value, identity fields unowned', () => {
  const o = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', uid: 'u', resourceVersion: '3', labels: { a: '1' }, finalizers: ['x', 'y'] },
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
    status: { replicas: 2 },
  };
  const paths = [...fieldsOf(o, shape)].map((p) => p.join(' ')).sort();
  assert.equal(paths, [
    'f:metadata f:finalizers v:"x"',
    'f:metadata f:finalizers v:"y"',
    'f:metadata f:labels f:a',
    'f:spec f:replicas',
    'f:spec f:template f:spec f:containers k:{"name":"c"} .',
    'f:spec f:template f:spec f:containers k:{"name":"c"} f:image',
    'f:spec f:template f:spec f:containers k:{"name":"c"} f:name',
  ]);
});

test('FieldsV1 round trip and path formatting', () => {
  const s = fieldsOf(deploy([{ name: 'c', image: 'i' }]), shape);
  assert.equal(FieldSet.fromFieldsV1(JSON.parse(JSON.stringify(s.toFieldsV1()))), s);
  assert.is(
    formatPath(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"c"}', 'f:image']),
    '.spec.template.spec.containers[name="c"].image',
  );
});

const cases: {
  name: string;
  steps: { manager: string; applied: KubeObject; force?: boolean }[];
  want: { data?: Record<string, string>; conflicts?: string[]; managers?: string[] };
}[] = [
  {
    name: 'first apply creates the fields and owns them',
    steps: [{ manager: 'a', applied: cm({ x: '1' }) }],
    want: { data: { x: '1' }, managers: ['a/Apply'] },
  },
  {
    name: 'a second manager setting the same value shares the field, no conflict',
    steps: [
      { manager: 'a', applied: cm({ x: '1' }) },
      { manager: 'b', applied: cm({ x: '1', y: '2' }) },
    ],
    want: { data: { x: '1', y: '2' }, managers: ['a/Apply', 'b/Apply'] },
  },
  {
    name: 'a different value for a field another manager owns is a conflict',
    steps: [
      { manager: 'a', applied: cm({ x: '1' }) },
      { manager: 'b', applied: cm({ x: '2' }) },
    ],
    want: { conflicts: ['a .data.x'] },
  },
  {
    name: 'force takes the field over',
    steps: [
      { manager: 'a', applied: cm({ x: '1', keep: 'k' }) },
      { manager: 'b', applied: cm({ x: '2' }), force: true },
    ],
    want: { data: { x: '2', keep: 'k' }, managers: ['a/Apply', 'b/Apply'] },
  },
  {
    name: 'a field its only manager stops applying is removed',
    steps: [
      { manager: 'a', applied: cm({ x: '1', y: '2' }) },
      { manager: 'a', applied: cm({ x: '1' }) },
    ],
    want: { data: { x: '1' }, managers: ['a/Apply'] },
  },
  {
    name: 'a field another manager also holds stays when one stops applying it',
    steps: [
      { manager: 'a', applied: cm({ x: '1', y: '2' }) },
      { manager: 'b', applied: cm({ y: '2' }) },
      { manager: 'a', applied: cm({ x: '1' }) },
    ],
    want: { data: { x: '1', y: '2' }, managers: ['a/Apply', 'b/Apply'] },
  },
];

for (const c of cases)
  test(`apply: ${c.name}`, () => {
    let live: KubeObject | undefined;
    let conflicts: string[] = [];
    for (const s of c.steps) {
      const r = planApply({
        live,
        applied: s.applied,
        manager: s.manager,
        force: !!s.force,
        shape,
        now: NOW,
      });
      conflicts = r.conflicts.map((x) => `${x.manager} ${formatPath(x.path)}`);
      if (conflicts.length) break;
      live = r.object;
    }
    if (c.want.conflicts) return assert.equal(conflicts, c.want.conflicts);
    assert.equal(conflicts, []);
    assert.equal((live as { data?: unknown }).data, c.want.data);
    assert.equal(managers(live!), c.want.managers);
  });

test('apply: containers merge by name; a container one manager applied and stops applying goes', () => {
  let r = planApply({
    live: undefined,
    applied: deploy([{ name: 'app', image: 'app:1' }]),
    manager: 'a',
    force: false,
    shape,
    now: NOW,
  });
  r = planApply({
    live: r.object,
    applied: deploy([{ name: 'sidecar', image: 'side:1' }]),
    manager: 'b',
    force: false,
    shape,
    now: NOW,
  });
  const names = (o: KubeObject) =>
    (
      o as unknown as { spec: { template: { spec: { containers: { name: string; image: string }[] } } } }
    ).spec.template.spec.containers.map((x) => `${x.name}=${x.image}`);
  assert.equal(names(r.object), ['app=app:1', 'sidecar=side:1']);
  r = planApply({ live: r.object, applied: deploy([]), manager: 'b', force: false, shape, now: NOW });
  assert.equal(names(r.object), ['app=app:1']);
});

test('update: the writer owns what it changed and others lose it; no conflicts for updates', () => {
  const applied = planApply({
    live: undefined,
    applied: cm({ x: '1', y: '2' }),
    manager: 'a',
    force: false,
    shape,
    now: NOW,
  }).object;
  const next = structuredClone(applied);
  (next as unknown as { data: Record<string, string> }).data.x = 'edited';
  recordUpdate(applied, next, 'kubectl-edit', shape, NOW);
  assert.equal(managers(next), ['a/Apply', 'kubectl-edit/Update']);
  // Now a's next apply of x=1 conflicts with the edit.
  const again = planApply({
    live: next,
    applied: cm({ x: '1', y: '2' }),
    manager: 'a',
    force: false,
    shape,
    now: NOW,
  });
  assert.equal(
    again.conflicts.map((x) => `${x.manager} ${formatPath(x.path)}`),
    ['kubectl-edit .data.x'],
  );
});

test('update: a write that sets managedFields itself keeps what it wrote', () => {
  const old = cm({ x: '1' });
  const next = cm(
    { x: '2' },
    {
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Apply',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { 'f:x': {} } },
        },
      ],
    },
  );
  recordUpdate(old, next, 'kubectl-client-side-apply', shape, NOW);
  assert.equal(managers(next), ['kubectl/Apply']);
});

test.run();
