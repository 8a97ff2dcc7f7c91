// Controllers read the shared informers, never the store: a real hub (every controller, the
// scheduler, the gateway) scales a Deployment to 1,000 pods over 10 nodes, and the API's LIST
// counter (drover_api_list_total, HTTP and in-process alike) does not move from the end of
// start-up to the last pod bound. The test itself only watches and gets.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Deployment } from '../../../shared/api/apps.js';
import type { Node, Pod } from '../../../shared/api/types.js';
import { apiFetch } from '../../helpers/api.js';
import { node } from '../api/helpers.js';
import { hubPerFile } from '../gateway/harness.js';
import { waitFor } from './wait.js';

const PODS = 1000;
const NODES = 10;
const hub = hubPerFile();

/** LISTs served so far, by resource. */
async function lists(): Promise<Record<string, number>> {
  const text = await (await apiFetch(hub().apiUrl, '/metrics')).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^drover_api_list_total\{resource="([^"]+)"\} (\d+)$/gm))
    out[m[1]] = Number(m[2]);
  return out;
}

test(`scaling a Deployment to ${PODS} pods lists nothing after start-up`, async () => {
  const c = hub().client;
  for (let i = 0; i < NODES; i++) {
    const n = node(`big-${i}`) as unknown as Node;
    n.status = {
      ...n.status,
      capacity: { cpu: '64', memory: '256Gi', pods: '500' },
      allocatable: { cpu: '64', memory: '256Gi', pods: '500' },
    };
    await c.create<Node>('nodes', undefined, n);
  }
  const bound = new Set<string>();
  const watch = await c.watch<Pod>('pods', 'default', {}, (ev) => {
    const p = ev.object;
    if (ev.type !== 'DELETED' && p.spec?.nodeName) bound.add(p.metadata.name ?? '');
  });
  try {
    const before = await lists();
    assert.ok(before.pods >= 1, 'the informers listed pods at start-up');
    await c.create<Deployment>('deployments', 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'many', namespace: 'default' },
      spec: {
        replicas: PODS,
        selector: { matchLabels: { app: 'many' } },
        template: {
          metadata: { labels: { app: 'many' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    });
    await waitFor(
      `${PODS} pods bound and the Deployment's status counting them`,
      async () => {
        const d = await c.get<Deployment>('deployments', 'default', 'many');
        return bound.size === PODS && d.status?.replicas === PODS;
      },
      120_000,
      200,
    );
    assert.equal(await lists(), before, 'no LIST of any resource during the scale-up');
  } finally {
    watch.close();
  }
});

test.run();
