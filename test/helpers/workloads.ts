// Workloads for tests: a one-container DaemonSet as the rollout tests start from, and changing
// a workload's image as a user does (read, edit, PUT), retried on a conflict: a controller may
// write the object's status between the read and the update.

import type { ApiClient } from '../../hub/api/client.js';
import { isConflict } from '../../hub/api/errors.js';
import type { DaemonSet, Deployment } from '../../shared/api/apps.js';

/** Conflicts retried before giving up. */
const CONFLICT_RETRIES = 5;

/** A DaemonSet in `default` running one container `c` of image, selected by app=name. */
export function daemonSetOf(name: string, image: string): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image }] },
      },
    },
  };
}

/** Sets the image of the first container of the workload's pod template. */
export async function setTemplateImage(
  client: ApiClient,
  resource: 'daemonsets' | 'deployments',
  namespace: string,
  name: string,
  image: string,
): Promise<void> {
  for (let i = 0; ; i++) {
    const w = await client.get<DaemonSet | Deployment>(resource, namespace, name);
    w.spec.template.spec.containers[0].image = image;
    try {
      await client.update(resource, namespace, w);
      return;
    } catch (e) {
      if (!isConflict(e) || i >= CONFLICT_RETRIES) throw e;
    }
  }
}
