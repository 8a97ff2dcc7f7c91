// Pods for the Service controller tests (EndpointSlice, Endpoints): bound to a board with a
// named http port, their IP and readiness written through the status subresource as an agent
// reports them.

import type { ApiClient } from '../../../hub/api/client.js';
import type { Pod } from '../../../shared/api/types.js';

/** Sets pod's IP and Ready condition (phase Running), re-reading it first. */
export async function setPodReady(client: ApiClient, p: Pod, ip: string, ready: boolean): Promise<Pod> {
  const cur = await client.get<Pod>('pods', 'default', p.metadata.name ?? '');
  return client.update<Pod>(
    'pods',
    'default',
    {
      ...cur,
      status: {
        phase: 'Running',
        podIP: ip,
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      },
    },
    'status',
  );
}

/** A pod `name` labelled app=`app` on board-1, Running with ip, Ready or not. */
export async function runningPod(
  client: ApiClient,
  name: string,
  app: string,
  ip: string,
  ready: boolean,
): Promise<Pod> {
  const p = await client.create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app } },
    spec: {
      nodeName: 'board-1',
      containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }] }],
    },
  });
  return setPodReady(client, p, ip, ready);
}
