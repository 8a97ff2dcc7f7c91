// Follows every node's Ready condition through the API (the hub's informer: list, then watch,
// resume or relist), counting Ready nodes and Ready -> not-Ready transitions (false NotReady
// when no node was meant to fail).

import type { ApiClient } from '../../hub/api/client.js';
import { Informer } from '../../hub/informers/informer.js';
import type { Node } from '../../shared/api/types.js';
import { createLogger } from '../../shared/log.js';

const readyOf = (n: Node) =>
  n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export class NodeTracker {
  private readonly ready = new Map<string, boolean>();
  /** Ready -> not Ready transitions seen, with node names. */
  readonly notReadyTransitions: { node: string; at: number }[] = [];
  private readonly informer: Informer<Node>;

  constructor(
    client: ApiClient,
    private readonly selector: (name: string) => boolean,
  ) {
    this.informer = new Informer<Node>(client, 'nodes', createLogger('bench/nodes'));
    this.informer.addHandler({
      onChange: (type, n) => {
        if (type === 'DELETED') this.ready.delete(n.metadata.name ?? '');
        else this.observe(n);
      },
    });
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  private observe(n: Node): void {
    const name = n.metadata?.name;
    if (!name || !this.selector(name)) return;
    const now = readyOf(n);
    const was = this.ready.get(name);
    if (was === true && !now) this.notReadyTransitions.push({ node: name, at: Date.now() });
    this.ready.set(name, now);
  }

  /** Ready nodes, optionally only those whose name passes only(). */
  readyCount(only?: (name: string) => boolean): number {
    let n = 0;
    for (const [name, r] of this.ready) if (r && (!only || only(name))) n++;
    return n;
  }

  known(): number {
    return this.ready.size;
  }

  stop(): void {
    this.informer.stop();
  }
}
