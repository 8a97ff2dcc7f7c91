// The reverse of PodRefs (pod-refs.ts): for a ConfigMap, Secret or claim key, the pods that
// reference it, so a change to one of them finds the nodes to republish in O(its pods) instead
// of a walk over every pod of every node. Pods that reference nothing cost nothing here.

import type { PodRefs } from './pod-refs.js';

type Kind = keyof PodRefs;
const KINDS: readonly Kind[] = ['configMaps', 'secrets', 'claims'];

export class RefIndex {
  private readonly byKind: Record<Kind, Map<string, Set<string>>> = {
    configMaps: new Map(),
    secrets: new Map(),
    claims: new Map(),
  };

  /** pod (its key) references what refs name. */
  add(pod: string, refs: PodRefs): void {
    for (const kind of KINDS)
      for (const key of refs[kind]) {
        const m = this.byKind[kind];
        let pods = m.get(key);
        if (!pods) {
          pods = new Set();
          m.set(key, pods);
        }
        pods.add(pod);
      }
  }

  /** Undoes add(pod, refs) (the same refs). */
  remove(pod: string, refs: PodRefs): void {
    for (const kind of KINDS)
      for (const key of refs[kind]) {
        const m = this.byKind[kind];
        const pods = m.get(key);
        if (!pods) continue;
        pods.delete(pod);
        if (pods.size === 0) m.delete(key);
      }
  }

  /** Keys of the pods that reference the `kind` object `key`. */
  referencing(kind: Kind, key: string): ReadonlySet<string> {
    return this.byKind[kind].get(key) ?? NONE;
  }

  /** Objects with at least one referencing pod (for tests: nothing left once the pods go). */
  size(): number {
    return KINDS.reduce((n, k) => n + this.byKind[k].size, 0);
  }
}

const NONE: ReadonlySet<string> = new Set();
