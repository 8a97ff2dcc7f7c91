// From the hub's Service table to listeners and backends (pure), table-driven.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildRoutes, candidates, localTargets } from '../../../agent/proxy/routes.js';
import type { ServiceTable } from '../../../shared/protocol/messages.js';

const table: Pick<ServiceTable, 'services' | 'nodes'> = {
  nodes: { a: '192.0.2.1', b: '192.0.2.2' },
  services: [
    {
      namespace: 'default',
      name: 'web',
      clusterIP: '10.96.0.10',
      ports: [{ name: '', port: 80, nodePort: 30080 }],
      endpoints: [
        { ip: '172.17.0.2', node: 'a', ready: true, ports: { '': 8080 } },
        { ip: '172.17.0.3', node: 'a', ready: false, ports: { '': 8080 } },
        { ip: '172.17.0.4', node: 'b', ready: true, ports: { '': 8080 } },
        { ip: '172.17.0.5', node: 'gone', ready: true, ports: { '': 8080 } },
      ],
    },
    { namespace: 'default', name: 'headless', ports: [{ name: '', port: 80 }], endpoints: [] },
  ],
};

test('listeners: ClusterIP:port everywhere, NodePort on the node IP (or every address)', () => {
  const [r] = buildRoutes(table, 'a', '192.0.2.1', 10263);
  assert.equal(r.listen, [
    { host: '10.96.0.10', port: 80 },
    { host: '192.0.2.1', port: 30080 },
  ]);
  assert.equal(buildRoutes(table, 'a', undefined, 10263)[0].listen[1], { host: '0.0.0.0', port: 30080 });
  assert.is(buildRoutes(table, 'a', undefined, 10263).length, 1, 'a headless Service is not proxied');
});

test('backends: Ready only; this board direct, others through their relay; unknown boards skipped', () => {
  const [r] = buildRoutes(table, 'a', '192.0.2.1', 10263);
  assert.equal(r.local, [{ ip: '172.17.0.2', port: 8080, node: 'a' }]);
  assert.equal(r.remote, [
    { ip: '172.17.0.4', port: 8080, node: 'b', via: { host: '192.0.2.2', port: 10263 } },
  ]);
});

test('candidates: local first, then remote, each rotated', () => {
  const r = {
    key: 'k',
    listen: [],
    local: [1, 2].map((i) => ({ ip: `l${i}`, port: 1, node: 'a' })),
    remote: [1, 2].map((i) => ({ ip: `r${i}`, port: 1, node: 'b' })),
  };
  const cases: [number, string[]][] = [
    [0, ['l1', 'l2', 'r1', 'r2']],
    [1, ['l2', 'l1', 'r2', 'r1']],
    [2, ['l1', 'l2', 'r1', 'r2']],
  ];
  for (const [rr, want] of cases)
    assert.equal(
      candidates(r, rr).map((b) => b.ip),
      want,
      `rr=${rr}`,
    );
});

test("the relay's allowlist: this board's Ready endpoints only", () => {
  assert.equal([...localTargets(table, 'a')], ['172.17.0.2:8080']);
  assert.equal([...localTargets(table, 'b')], ['172.17.0.4:8080']);
});

test.run();
