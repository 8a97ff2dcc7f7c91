// Retained messages indexed by topic level. aedes' default memory persistence scans every
// retained message for every new subscription (O(retained) per SUBSCRIBE); with one retained
// `desired` per node that made each agent connect cost O(fleet). Here an exact filter is one
// Map lookup and a wildcard filter walks only the branches it can match.

interface TrieNode<T> {
  /** Made at the first child: most nodes are leaves (one per node's `desired` topic). */
  children: Map<string, TrieNode<T>> | undefined;
  value: T | undefined;
}

const newNode = <T>(): TrieNode<T> => ({ children: undefined, value: undefined });
const NO_CHILDREN: ReadonlyMap<string, never> = new Map<string, never>();
const childrenOf = <T>(n: TrieNode<T>): ReadonlyMap<string, TrieNode<T>> => n.children ?? NO_CHILDREN;

/** MQTT 3.1.1 §4.7.2: a filter starting with a wildcard does not match topics starting with '$'. */
const hiddenFromLeadingWildcard = (level: string, depth: number) => depth === 0 && level.startsWith('$');

export class RetainedIndex<T> {
  private readonly exact = new Map<string, T>();
  private readonly root: TrieNode<T> = newNode();

  get size(): number {
    return this.exact.size;
  }

  values(): IterableIterator<T> {
    return this.exact.values();
  }

  get(topic: string): T | undefined {
    return this.exact.get(topic);
  }

  set(topic: string, value: T): void {
    this.exact.set(topic, value);
    let node = this.root;
    for (const level of topic.split('/')) {
      node.children ??= new Map();
      let next = node.children.get(level);
      if (!next) {
        next = newNode();
        node.children.set(level, next);
      }
      node = next;
    }
    node.value = value;
  }

  delete(topic: string): boolean {
    if (!this.exact.delete(topic)) return false;
    const path: TrieNode<T>[] = [this.root];
    const levels = topic.split('/');
    for (const level of levels) {
      const next = path[path.length - 1].children?.get(level);
      if (!next) return true; // unreachable while exact and trie agree
      path.push(next);
    }
    path[path.length - 1].value = undefined;
    // Prune branches left empty so the trie does not grow with every topic ever retained.
    for (let i = levels.length; i > 0; i--) {
      const node = path[i];
      if (node.value !== undefined || (node.children?.size ?? 0) > 0) break;
      const parent = path[i - 1];
      parent.children?.delete(levels[i - 1]);
      if (parent.children?.size === 0) parent.children = undefined;
    }
    return true;
  }

  /** Values whose topic matches an MQTT filter ('+' one level, '#' this level and below). */
  *match(filter: string): Generator<T> {
    if (!filter.includes('+') && !filter.includes('#')) {
      const v = this.exact.get(filter);
      if (v !== undefined) yield v;
      return;
    }
    yield* this.walk(this.root, filter.split('/'), 0);
  }

  private *walk(node: TrieNode<T>, levels: string[], depth: number): Generator<T> {
    if (depth === levels.length) {
      if (node.value !== undefined) yield node.value;
      return;
    }
    const level = levels[depth];
    if (level === '#') {
      // 'a/#' also matches 'a' itself.
      if (node.value !== undefined) yield node.value;
      for (const [name, child] of childrenOf(node)) {
        if (!hiddenFromLeadingWildcard(name, depth)) yield* this.subtree(child);
      }
    } else if (level === '+') {
      for (const [name, child] of childrenOf(node)) {
        if (!hiddenFromLeadingWildcard(name, depth)) yield* this.walk(child, levels, depth + 1);
      }
    } else {
      const child = node.children?.get(level);
      if (child) yield* this.walk(child, levels, depth + 1);
    }
  }

  private *subtree(start: TrieNode<T>): Generator<T> {
    const stack = [start];
    for (let node = stack.pop(); node; node = stack.pop()) {
      if (node.value !== undefined) yield node.value;
      for (const child of childrenOf(node).values()) stack.push(child);
    }
  }
}
