// Real nats-server processes for tests: a standalone JetStream server or a 3-node cluster on
// loopback with free ports and temp store dirs. Stop them in test.after (a running child keeps the
// test process alive; unref() on it lets Node exit while other children's requests are pending);
// an exit handler kills whatever is left when the file ends on a throw.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type NatsNode,
  spawnNatsNode,
  startNatsCluster,
  waitJetStream,
} from '../../cli/cluster/nats-server.js';

const live = new Set<NatsNode>();
const dirs = new Set<string>();

function killSync(n: NatsNode): void {
  if (n.proc.exitCode === null && n.proc.signalCode === null) {
    try {
      n.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', () => {
  for (const n of live) killSync(n);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export interface NatsCluster {
  nodes: NatsNode[];
  /** Client URLs of every node. */
  urls: string[];
  /** kill -9 of node i; resolves when it has exited. */
  kill9(i: number): Promise<void>;
  /** Starts node i again with its config and store dir; resolves when JetStream answers. */
  restart(i: number): Promise<void>;
  /** Kills every node. */
  stop(): Promise<void>;
}

function exited(n: NatsNode): Promise<void> {
  if (n.proc.exitCode !== null || n.proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => n.proc.once('exit', () => r()));
}

/** Starts size JetStream servers (1 = standalone, 3 = a Raft cluster). */
export async function startNats(size = 1): Promise<NatsCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-nats-'));
  dirs.add(dir);
  const nodes = await startNatsCluster({ size, dir });
  for (const n of nodes) live.add(n);
  const c: NatsCluster = {
    nodes,
    urls: nodes.map((n) => n.url),
    async kill9(i) {
      killSync(nodes[i]);
      await exited(nodes[i]);
    },
    async restart(i) {
      const old = nodes[i];
      live.delete(old);
      const again = spawnNatsNode(`${dir}/${old.name}.conf`, {
        name: old.name,
        port: old.port,
        clusterPort: old.clusterPort,
        url: old.url,
        storeDir: old.storeDir,
      });
      nodes[i] = again;
      live.add(again);
      await waitJetStream(again);
    },
    async stop() {
      for (const n of nodes) killSync(n);
      await Promise.all(nodes.map(exited));
      for (const n of nodes) live.delete(n);
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
  return c;
}
