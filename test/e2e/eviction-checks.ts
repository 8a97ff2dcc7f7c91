// What the node-pressure eviction e2e files share: their pods (bound to the board, 1 s grace),
// and the check after an eviction: the pod that stayed was never touched (same container,
// running, no restart) and only the expected pod was evicted.

import * as assert from 'uvu/assert';
import type { KubeList, Pod } from '../../shared/api/types.js';
import { getJson } from '../helpers/api.js';
import { type Cluster, IMAGE, running } from './pods-harness.js';

export async function assertOnlyEvicted(
  c: Cluster,
  evicted: string,
  kept: { name: string; containerID: string | undefined },
): Promise<void> {
  const q = await c.pod(kept.name);
  assert.ok(running(q));
  assert.is(q.status?.containerStatuses?.[0]?.containerID, kept.containerID);
  assert.is(q.status?.containerStatuses?.[0]?.restartCount, 0);
  const list = await getJson<KubeList<Pod>>(c.hub.apiUrl, '/api/v1/namespaces/default/pods');
  assert.equal(
    list.items.filter((p) => p.status?.reason === 'Evicted').map((p) => p.metadata.name),
    [evicted],
  );
}

/** A busybox pod bound to node running `sh -c command`; extra is appended under the container. */
export const boundPod = (node: string, name: string, command: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ${IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", ${JSON.stringify(command)}]
${extra}`;
