// Retained messages indexed by topic level. aedes' default memory persistence scans every
// retained message for every new subscription (O(retained) per SUBSCRIBE); with one retained
// `desired` per node that made each agent connect cost O(fleet). Here an exact filter is one
// Map lookup and a wildcard filter walks only the branches it can match.

interface TrieNode<T> {
  // A node's first child is held inline while it is the only one (most nodes: a node's name
  // level has its `desired`): a Map with one entry costs ~0.23 KiB (bench/hub-heap.ts snapshots).
  onlyLevel: string | undefined;
  only: TrieNode<T> | undefined;
  /** From the second child on, all of them. */
  children: Map<string, TrieNode<T>> | undefined;
  value: T | undefined;
}

const newNode = <T>(): TrieNode<T> => ({
  onlyLevel: undefined,
  only: undefined,
  children: undefined,
  value: undefined,
});

function childOf<T>(n: TrieNode<T>, level: string): TrieNode<T> | undefined {
  return n.children ? n.children.get(level) : n.onlyLevel === level ? n.only : undefined;
}

function childCount<T>(n: TrieNode<T>): number {
  return n.children ? n.children.size : n.only ? 1 : 0;
}

/** Each child with its level. */
function* childrenOf<T>(n: TrieNode<T>): Generator<[string, TrieNode<T>]> {
  if (n.children) yield* n.children;
  else if (n.only) yield [n.onlyLevel!, n.only];
}

function addChild<T>(n: TrieNode<T>, level: string, child: TrieNode<T>): void {
  if (n.children) n.children.set(level, child);
  else if (!n.only) {
    n.onlyLevel = level;
    n.only = child;
  } else {
    n.children = new Map([
      [n.onlyLevel!, n.only],
      [level, child],
    ]);
    n.onlyLevel = undefined;
    n.only = undefined;
  }
}

function removeChild<T>(n: TrieNode<T>, level: string): void {
  if (n.children) {
    n.children.delete(level);
    if (n.children.size === 1) {
      const [[l, c]] = n.children;
      n.children = undefined;
      n.onlyLevel = l;
      n.only = c;
    }
  } else if (n.onlyLevel === level) {
    n.onlyLevel = undefined;
    n.only = undefined;
  }
}

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
      let next = childOf(node, level);
      if (!next) {
        next = newNode();
        addChild(node, level, next);
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
      const next = childOf(path[path.length - 1], level);
      if (!next) return true; // unreachable while exact and trie agree
      path.push(next);
    }
    path[path.length - 1].value = undefined;
    // Prune branches left empty so the trie does not grow with every topic ever retained.
    for (let i = levels.length; i > 0; i--) {
      const node = path[i];
      if (node.value !== undefined || childCount(node) > 0) break;
      removeChild(path[i - 1], levels[i - 1]);
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
      const child = childOf(node, level);
      if (child) yield* this.walk(child, levels, depth + 1);
    }
  }

  private *subtree(start: TrieNode<T>): Generator<T> {
    const stack = [start];
    for (let node = stack.pop(); node; node = stack.pop()) {
      if (node.value !== undefined) yield node.value;
      for (const [, child] of childrenOf(node)) stack.push(child);
    }
  }
}
