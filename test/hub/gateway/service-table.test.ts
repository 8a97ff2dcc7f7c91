// The fleet's Service table from Services, EndpointSlices and Nodes (pure).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildServiceTable } from '../../../hub/gateway/service-table.js';
import type { EndpointSlice, Service } from '../../../shared/api/service.js';
import type { Node } from '../../../shared/api/types.js';

const svc = (name: string, spec: Partial<Service['spec']>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec },
});

const slice = (svcName: string, endpoints: EndpointSlice['endpoints']): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svcName}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints,
});

const node = (name: string, ip?: string): Node =>
  ({
    metadata: { name },
    status: { addresses: ip ? [{ type: 'InternalIP', address: ip }] : [] },
  }) as Node;

const nodes = new Map([
  ['a', node('a', '192.0.2.1')],
  ['b', node('b')],
]);

test('services with their endpoints, node addresses of the boards that host them', () => {
  const t = buildServiceTable(
    [
      svc('web', {
        clusterIP: '10.96.0.10',
        type: 'NodePort',
        ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }],
      }),
      svc('hl', { clusterIP: 'None' }),
    ],
    [
      slice('web', [
        { addresses: ['172.17.0.3'], nodeName: 'a', conditions: { ready: false } },
        { addresses: ['172.17.0.2'], nodeName: 'a', conditions: { ready: true } },
        { addresses: ['172.17.0.9'], nodeName: 'b', conditions: { ready: true } },
        { addresses: ['172.17.0.8'], conditions: { ready: true } },
      ]),
    ],
    (n) => nodes.get(n),
  );
  assert.equal(t.nodes, { a: '192.0.2.1' });
  assert.equal(t.services, [
    { namespace: 'default', name: 'hl', ports: [{ name: 'http', port: 80 }], endpoints: [] },
    {
      namespace: 'default',
      name: 'web',
      clusterIP: '10.96.0.10',
      ports: [{ name: 'http', port: 80, nodePort: 30080 }],
      endpoints: [
        { ip: '172.17.0.2', node: 'a', ready: true, ports: { http: 8080 } },
        { ip: '172.17.0.3', node: 'a', ready: false, ports: { http: 8080 } },
        { ip: '172.17.0.9', node: 'b', ready: true, ports: { http: 8080 } },
      ],
    },
  ]);
});

test.run();
