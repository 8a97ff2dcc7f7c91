// desiredEndpoints (pure): the core/v1 Endpoints of a Service from its EndpointSlices, case by
// case as upstream's endpoints controller shapes them.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { desiredEndpoints } from '../../../hub/controllers/endpoints/desired.js';
import type { Endpoint, EndpointPort, EndpointSlice, Service } from '../../../shared/api/service.js';

function svc(spec: Partial<Service['spec']> = {}, labels: Record<string, string> = { app: 'web' }): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', labels },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...spec },
  };
}

function slice(name: string, ports: EndpointPort[], endpoints: Endpoint[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default' },
    addressType: 'IPv4',
    ports,
    endpoints,
  };
}

const ep = (ip: string, ready: boolean, terminating = false, pod = `p-${ip}`): Endpoint => ({
  addresses: [ip],
  conditions: { ready, serving: ready, terminating },
  nodeName: 'board-1',
  targetRef: { kind: 'Pod', namespace: 'default', name: pod },
});
const http: EndpointPort[] = [{ name: 'http', protocol: 'TCP', port: 8080 }];
const addr = (ip: string) => ({
  ip,
  nodeName: 'board-1',
  targetRef: { kind: 'Pod', namespace: 'default', name: `p-${ip}` },
});

const cases: {
  name: string;
  svc: Service;
  slices: EndpointSlice[];
  subsets: unknown[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}[] = [
  {
    name: 'ready and not-ready endpoints, addresses sorted by IP',
    svc: svc(),
    slices: [slice('web-a', http, [ep('10.0.0.9', true), ep('10.0.0.2', true), ep('10.0.0.5', false)])],
    subsets: [
      { addresses: [addr('10.0.0.2'), addr('10.0.0.9')], notReadyAddresses: [addr('10.0.0.5')], ports: http },
    ],
  },
  {
    name: 'a terminating endpoint is left out',
    svc: svc(),
    slices: [slice('web-a', http, [ep('10.0.0.2', true), ep('10.0.0.3', false, true)])],
    subsets: [{ addresses: [addr('10.0.0.2')], ports: http }],
  },
  {
    name: 'publishNotReadyAddresses keeps a terminating endpoint (its slice marks it ready)',
    svc: svc({ publishNotReadyAddresses: true }),
    slices: [slice('web-a', http, [{ ...ep('10.0.0.3', true, true) }])],
    subsets: [{ addresses: [addr('10.0.0.3')], ports: http }],
  },
  {
    name: 'the placeholder slice (no endpoints, no port numbers) gives no subsets',
    svc: svc(),
    slices: [slice('web-p', [{ name: '', protocol: 'TCP' }], [])],
    subsets: [],
  },
  {
    name: 'slices of the same ports merge; other ports make another subset',
    svc: svc(),
    slices: [
      slice('web-a', http, [ep('10.0.0.2', true)]),
      slice('web-b', http, [ep('10.0.0.1', true)]),
      slice('web-c', [{ name: 'http', protocol: 'TCP', port: 9090 }], [ep('10.0.0.3', true)]),
    ],
    subsets: [
      { addresses: [addr('10.0.0.1'), addr('10.0.0.2')], ports: http },
      { addresses: [addr('10.0.0.3')], ports: [{ name: 'http', protocol: 'TCP', port: 9090 }] },
    ],
  },
  {
    name: "labels are the Service's, plus the headless label for a headless Service",
    svc: svc({ clusterIP: 'None' }, { app: 'web', tier: 'front' }),
    slices: [],
    subsets: [],
    labels: { app: 'web', tier: 'front', 'service.kubernetes.io/headless': '' },
  },
  {
    name: 'over 1000 addresses: cut at 1000 and annotated over-capacity',
    svc: svc(),
    slices: [
      slice(
        'web-a',
        http,
        Array.from({ length: 1001 }, (_, i) => ep(`10.1.${Math.floor(i / 256)}.${i % 256}`, true)),
      ),
    ],
    subsets: [],
    annotations: { 'endpoints.kubernetes.io/over-capacity': 'truncated' },
  },
];

for (const c of cases)
  test(c.name, () => {
    const d = desiredEndpoints(c.svc, c.slices);
    if (c.annotations) {
      assert.equal(d.annotations, c.annotations);
      assert.is(d.subsets.flatMap((s) => s.addresses ?? []).length, 1000);
    } else {
      assert.equal(d.subsets, c.subsets);
      assert.equal(d.annotations, {});
    }
    assert.equal(d.labels, c.labels ?? c.svc.metadata.labels);
  });

test.run();
