// Follows every node's Ready condition through the API (list, then watch; relist when the watch
// ends), counting Ready nodes and Ready -> not-Ready transitions (false NotReady when no node
// was meant to fail).

import type { ApiClient, ApiWatch } from '../../hub/api/client.js';
import type { Node } from '../../shared/api/types.js';

/** Wait before relisting after a watch ended, ms. */
const RELIST_DELAY_MS = 1000;

const readyOf = (n: Node) =>
  n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export class NodeTracker {
  private readonly ready = new Map<string, boolean>();
  private watch?: ApiWatch;
  private stopped = false;
  private relistTimer?: NodeJS.Timeout;
  /** Ready -> not Ready transitions seen, with node names. */
  readonly notReadyTransitions: { node: string; at: number }[] = [];

  constructor(
    private readonly client: ApiClient,
    private readonly selector: (name: string) => boolean,
  ) {}

  async start(): Promise<void> {
    const list = await this.client.list<Node>('nodes', undefined);
    for (const n of list.items) this.observe(n);
    this.watch = await this.client.watch<Node>(
      'nodes',
      undefined,
      { resourceVersion: list.metadata?.resourceVersion },
      (ev) => {
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.observe(ev.object);
        else if (ev.type === 'DELETED' && ev.object.metadata?.name)
          this.ready.delete(ev.object.metadata.name);
      },
      () => {
        if (this.stopped) return;
        this.relistTimer = setTimeout(() => void this.start().catch(() => {}), RELIST_DELAY_MS);
      },
    );
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
    this.stopped = true;
    if (this.relistTimer) clearTimeout(this.relistTimer);
    this.watch?.close();
  }
}
