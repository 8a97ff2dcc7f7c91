// Shared by the runtime tests that use the real Docker Engine: a unique node name per run (so
// parallel files never touch each other's containers), cleanup by label, polling, free ports.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Container, Pod } from '../../../shared/api/types.js';
import { buildContainerSpec } from '../../../agent/runtime/container-spec.js';
import type { DockerRuntime } from '../../../agent/runtime/docker.js';
import { LABEL_NODE } from '../../../agent/runtime/labels.js';
import type { ContainerSpec } from '../../../agent/runtime/runtime.js';

export const IMAGE = 'drover-test/busybox:1';
export const REGISTRY_IMAGE = `${process.env.DROVER_TEST_REGISTRY ?? '127.0.0.1:5000'}/drover-test/busybox:1`;

export function uniqueNode(prefix: string): string {
  return `t-${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export async function removeAll(rt: DockerRuntime, node: string): Promise<number> {
  const list = await rt.listContainers({ [LABEL_NODE]: node });
  await Promise.all(list.map((c) => rt.removeContainer(c.id, { force: true }).catch(() => undefined)));
  return list.length;
}

export { waitUntil as waitFor } from '../../helpers/wait.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

let seq = 0;
/** A ContainerSpec for a one-container pod on `node`, built the way the agent builds it. */
export function specFor(
  node: string,
  c: Partial<Container>,
  podSpec: Partial<Pod['spec']> = {},
): ContainerSpec {
  const container: Container = { name: 'main', image: IMAGE, ...c };
  const name = `pod-${++seq}`;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'test', uid: `uid-${name}-${node}` },
    spec: { containers: [container], nodeName: node, ...podSpec },
  };
  return buildContainerSpec({ node, pod, container, attempt: 0, env: {}, podDir: '/tmp/drover-unused' });
}
