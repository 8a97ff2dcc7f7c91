// What must not happen to a workload's running pods while the hub restarts: counted from a pod
// watch against where each pod was placed before (name -> uid, node).

import type { Pod } from '../../shared/api/types.js';

export type Placement = Map<string, { uid: string; node: string }>;

export function placementOf(pods: Pod[]): Placement {
  return new Map(
    pods.map((p) => [p.metadata.name ?? '', { uid: p.metadata.uid ?? '', node: p.spec.nodeName ?? '' }]),
  );
}

export class PodDisturbance {
  deleted: string[] = [];
  terminating: string[] = [];
  created: string[] = [];
  moved: string[] = [];
  constructor(private readonly placed: Placement) {}

  observe(type: string, p: Pod): void {
    const name = p.metadata.name ?? '';
    const was = this.placed.get(name);
    if (type === 'DELETED') this.deleted.push(name);
    else if (!was || was.uid !== p.metadata.uid) this.created.push(name);
    else if (p.metadata.deletionTimestamp) this.terminating.push(name);
    else if (p.spec.nodeName !== was.node) this.moved.push(name);
  }

  total(): number {
    return this.deleted.length + this.terminating.length + this.created.length + this.moved.length;
  }

  summary(): string {
    const few = (a: string[]) => `${a.length}${a.length ? ` (${a.slice(0, 3).join(', ')})` : ''}`;
    return `deleted ${few(this.deleted)}, terminating ${few(this.terminating)}, created ${few(this.created)}, moved ${few(this.moved)}`;
  }
}
