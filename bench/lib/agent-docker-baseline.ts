// Docker alone, for the pod startup benchmark: create + start of the same busybox container
// straight through the Docker socket (dockerode, as the agent uses), with the same pacing as a
// pod pass, so the Drover share of a pod's startup can be told from the engine's.

import Dockerode from 'dockerode';
import { BENCH_IMAGE, removeNodeContainers } from './agent-pods.js';

/** The io.drover.node label value on the baseline's containers (removed at the end). */
const BASELINE_NODE = 'bench-docker-baseline';

/** ms from just before create to start returned, per container; ratePerS 0 = all at once. */
export async function dockerStartLatencies(count: number, ratePerS: number): Promise<number[]> {
  const docker = new Dockerode({ socketPath: '/var/run/docker.sock' });
  const t0 = Date.now();
  try {
    return await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        if (ratePerS > 0) await new Promise((r) => setTimeout(r, t0 + (i * 1000) / ratePerS - Date.now()));
        const start = Date.now();
        const c = await docker.createContainer({
          Image: BENCH_IMAGE,
          Cmd: ['sleep', '86400'],
          Labels: { 'io.drover.node': BASELINE_NODE },
        });
        await c.start();
        return Date.now() - start;
      }),
    );
  } finally {
    await removeNodeContainers(BASELINE_NODE);
  }
}
