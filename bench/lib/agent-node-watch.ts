// Every node's Ready condition as a watch on /api/v1/nodes sees it (the hub's informer: list,
// then watch, resume or relist), with the time each transition was seen: what the NotReady
// detection benchmark times, and how the agent benchmarks wait for their nodes to be Ready.

import type { ApiClient } from '../../hub/api/client.js';
import { Informer } from '../../hub/informers/informer.js';
import type { Node } from '../../shared/api/types.js';
import { createLogger } from '../../shared/log.js';

export class NodeWaitTimeoutError extends Error {
  override name = 'NodeWaitTimeoutError';
}

const isReady = (n: Node) =>
  n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

interface Waiter {
  node: string;
  ready: boolean;
  resolve(at: number): void;
}

export class NodeReadyWatch {
  /** node -> current Ready and when (Date.now()) it became so. */
  private readonly state = new Map<string, { ready: boolean; since: number; node: Node }>();
  private readonly waiters = new Set<Waiter>();
  private readonly informer: Informer<Node>;

  constructor(client: ApiClient) {
    this.informer = new Informer<Node>(client, 'nodes', createLogger('bench/nodes'), { retryDelayMs: 500 });
    this.informer.addHandler({
      onChange: (type, n) => {
        if (type === 'DELETED') this.state.delete(n.metadata.name ?? '');
        else this.observe(n);
      },
    });
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  private observe(n: Node): void {
    const name = n.metadata?.name;
    if (!name) return;
    const ready = isReady(n);
    const prev = this.state.get(name);
    if (prev?.ready === ready) {
      prev.node = n;
      return;
    }
    const at = Date.now();
    this.state.set(name, { ready, since: at, node: n });
    for (const w of this.waiters)
      if (w.node === name && w.ready === ready) {
        this.waiters.delete(w);
        w.resolve(at);
      }
  }

  /** The node's latest object seen, if any. */
  node(name: string): Node | undefined {
    return this.state.get(name)?.node;
  }

  readyCount(names: readonly string[]): number {
    return names.filter((n) => this.state.get(n)?.ready).length;
  }

  /**
   * Resolves with the time (Date.now()) the node was seen entering the wanted Ready state; at
   * once with that time when it is already in it.
   */
  waitFor(name: string, ready: boolean, timeoutMs: number): Promise<number> {
    const s = this.state.get(name);
    if (s && s.ready === ready) return Promise.resolve(s.since);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        node: name,
        ready,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(
          new NodeWaitTimeoutError(
            `node ${name} was not seen ${ready ? 'Ready' : 'NotReady'} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  stop(): void {
    this.informer.stop();
  }
}
