// Groups a V8 heap snapshot (node --heapsnapshot-signal, bench/hub-heap.ts) the way the memory
// work of issue #21 needs it: self size and count per constructor, and per owner, where an
// object's owner is its nearest dominator that is an instance of a named class (not Object,
// Array, Map, Set, closures or V8 internals): what would be freed with that owner. Informers
// (any object with a string `resource` property) are told apart by it. With two snapshots
// (before, after), the differences, divided by --per (boards or pods added between them).
// Run: node --max-old-space-size=8192 dist/bench/heap-summary.js a.heapsnapshot [b.heapsnapshot]
//   [--per 2400] [--top 40] [--closure-names] (closures by function name)

import { readFileSync } from 'node:fs';
import { BenchArgs } from './lib/args.js';

interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Per group: bytes and objects. */
type Groups = Map<string, { bytes: number; count: number }>;

interface Summary {
  totalBytes: number;
  byClass: Groups;
  byOwner: Groups;
  /** Objects owned by no named class, by their topmost such object (retained sizes). */
  unowned: Groups;
}

/** Classes too generic to own anything (their owner is looked for further up). */
const GENERIC = new Set([
  'Object',
  'Array',
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'Promise',
  'Function',
  'Error',
  'Date',
  'RegExp',
  'ArrayBuffer',
  'Uint8Array',
  'Buffer',
  'FastBuffer',
  'DataView',
  'Arguments',
  'Generator',
]);

function add(g: Groups, key: string, bytes: number): void {
  const e = g.get(key);
  if (e) {
    e.bytes += bytes;
    e.count++;
  } else g.set(key, { bytes, count: 1 });
}

function summarize(path: string): Summary {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as RawSnapshot;
  const meta = raw.snapshot.meta;
  const NF = meta.node_fields.length;
  const EF = meta.edge_fields.length;
  const fType = meta.node_fields.indexOf('type');
  const fName = meta.node_fields.indexOf('name');
  const fSelf = meta.node_fields.indexOf('self_size');
  const fEdges = meta.node_fields.indexOf('edge_count');
  const eType = meta.edge_fields.indexOf('type');
  const eName = meta.edge_fields.indexOf('name_or_index');
  const eTo = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const propertyEdge = edgeTypes.indexOf('property');
  const { nodes, edges, strings } = raw;
  const n = nodes.length / NF;

  // First edge of each node.
  const firstEdge = new Uint32Array(n + 1);
  for (let i = 0, e = 0; i < n; i++) {
    firstEdge[i] = e;
    e += nodes[i * NF + fEdges] * EF;
    firstEdge[i + 1] = e;
  }

  const typeOf = (i: number) => nodeTypes[nodes[i * NF + fType]];
  const nameOf = (i: number) => strings[nodes[i * NF + fName]];
  // A readable class per node (DevTools' summary view names).
  const classOf = (i: number): string => {
    const t = typeOf(i);
    switch (t) {
      case 'object':
      case 'native':
        return nameOf(i);
      case 'closure':
        return CLOSURE_NAMES ? `(closure) ${nameOf(i) || '(anonymous)'}` : '(closure)';
      case 'string':
      case 'concatenated string':
      case 'sliced string':
        return '(string)';
      case 'array':
        return `(array) ${nameOf(i)}`;
      case 'hidden':
        return `(system) ${nameOf(i)}`;
      default:
        return `(${t})`;
    }
  };
  // An informer (or any component with a `resource` string) named by it.
  const labelled = (i: number): string => {
    const c = nameOf(i);
    for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += EF) {
      if (edges[e + eType] !== propertyEdge || strings[edges[e + eName]] !== 'resource') continue;
      const to = edges[e + eTo] / NF;
      if (typeOf(to) === 'string') return `${c}[${nameOf(to)}]`;
    }
    return c;
  };
  const isOwner = (i: number) => typeOf(i) === 'object' && !GENERIC.has(nameOf(i)) && nameOf(i) !== '';

  // Depth-first postorder from the root (node 0) over strong edges.
  const post = new Int32Array(n).fill(-1); // postorder number
  const byPost = new Int32Array(n);
  const visited = new Uint8Array(n);
  const stackNode = new Int32Array(n);
  const stackEdge = new Uint32Array(n);
  let sp = 0;
  let counter = 0;
  stackNode[0] = 0;
  stackEdge[0] = firstEdge[0];
  visited[0] = 1;
  sp = 1;
  while (sp > 0) {
    const v = stackNode[sp - 1];
    const e = stackEdge[sp - 1];
    if (e < firstEdge[v + 1]) {
      stackEdge[sp - 1] = e + EF;
      if (edges[e + eType] === weak) continue;
      const to = edges[e + eTo] / NF;
      if (visited[to]) continue;
      visited[to] = 1;
      stackNode[sp] = to;
      stackEdge[sp] = firstEdge[to];
      sp++;
    } else {
      post[v] = counter;
      byPost[counter] = v;
      counter++;
      sp--;
    }
  }

  // Predecessors (strong edges between reachable nodes), compressed.
  const predCount = new Uint32Array(n + 1);
  for (let v = 0; v < n; v++) {
    if (post[v] < 0) continue;
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += EF) {
      if (edges[e + eType] === weak) continue;
      predCount[edges[e + eTo] / NF + 1]++;
    }
  }
  for (let i = 0; i < n; i++) predCount[i + 1] += predCount[i];
  const preds = new Int32Array(predCount[n]);
  const fill = predCount.slice(0, n);
  for (let v = 0; v < n; v++) {
    if (post[v] < 0) continue;
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += EF) {
      if (edges[e + eType] === weak) continue;
      const to = edges[e + eTo] / NF;
      preds[fill[to]++] = v;
    }
  }

  // Immediate dominators (Cooper, Harvey, Kennedy: "A Simple, Fast Dominance Algorithm"), on
  // postorder numbers: the root has the highest.
  const UNDEF = -1;
  const idom = new Int32Array(counter).fill(UNDEF);
  const root = counter - 1;
  idom[root] = root;
  let changed = true;
  while (changed) {
    changed = false;
    for (let b = root - 1; b >= 0; b--) {
      const v = byPost[b];
      let newIdom = UNDEF;
      for (let p = predCount[v]; p < predCount[v + 1]; p++) {
        const q = post[preds[p]];
        if (q < 0 || idom[q] === UNDEF) continue;
        if (newIdom === UNDEF) {
          newIdom = q;
          continue;
        }
        let x = q;
        let y = newIdom;
        while (x !== y) {
          while (x < y) x = idom[x];
          while (y < x) y = idom[y];
        }
        newIdom = x;
      }
      if (newIdom !== UNDEF && idom[b] !== newIdom) {
        idom[b] = newIdom;
        changed = true;
      }
    }
  }

  // Owners, from the root down (dominators before what they dominate).
  const owner = new Int32Array(counter).fill(-1);
  const byClass: Groups = new Map();
  const byOwner: Groups = new Map();
  const ownerName = new Map<number, string>();
  let totalBytes = 0;
  for (let b = root; b >= 0; b--) {
    const v = byPost[b];
    const self = nodes[v * NF + fSelf];
    totalBytes += self;
    add(byClass, classOf(v), self);
    if (b === root) continue;
    const d = idom[b];
    const dv = byPost[d];
    owner[b] = d !== root && isOwner(dv) ? d : owner[d];
    const o = owner[b];
    let name = '(no owner)';
    if (o >= 0) {
      name = ownerName.get(o) ?? labelled(byPost[o]);
      ownerName.set(o, name);
    }
    add(byOwner, name, self);
  }
  // What the unowned bytes are: each unowned object's bytes go to its topmost unowned dominator
  // (the object a Map or an array of no owner holds), labelled by its kind or its keys.
  const unowned: Groups = new Map();
  const top = new Int32Array(counter).fill(-1);
  const shapeLabel = new Map<number, string>();
  const propsOf = (v: number): string => {
    let kind: string | undefined;
    const names: string[] = [];
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += EF) {
      if (edges[e + eType] !== propertyEdge) continue;
      const name = strings[edges[e + eName]];
      if (name === 'kind') {
        const to = edges[e + eTo] / NF;
        if (typeOf(to) === 'string') kind = nameOf(to);
      }
      if (names.length < 4) names.push(name);
    }
    return kind ? `{kind: ${kind}}` : `{${names.join(', ')}}`;
  };
  for (let b = root - 1; b >= 0; b--) {
    if (owner[b] >= 0) continue;
    const d = idom[b];
    top[b] = d === root || top[d] < 0 ? b : top[d];
    const t = top[b];
    let label = shapeLabel.get(t);
    if (label === undefined) {
      const v = byPost[t];
      label = `${classOf(v)}${typeOf(v) === 'object' ? ` ${propsOf(v)}` : ''}`;
      shapeLabel.set(t, label);
    }
    add(unowned, label, nodes[byPost[b] * NF + fSelf]);
  }
  return { totalBytes, byClass, byOwner, unowned };
}

const KIB = 1024;
const MIB = 2 ** 20;

function table(title: string, rows: [string, number, number][], top: number, per: number | undefined): void {
  console.log(`\n${title}`);
  const sorted = rows.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, top);
  for (const [k, bytes, count] of sorted) {
    const perText = per
      ? `  ${(bytes / per).toFixed(0).padStart(7)} B/each  ${(count / per).toFixed(2).padStart(6)} obj/each`
      : '';
    console.log(`  ${(bytes / MIB).toFixed(2).padStart(9)} MiB ${String(count).padStart(9)}${perText}  ${k}`);
  }
}

function diff(a: Groups, b: Groups): [string, number, number][] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].map((k) => [
    k,
    (b.get(k)?.bytes ?? 0) - (a.get(k)?.bytes ?? 0),
    (b.get(k)?.count ?? 0) - (a.get(k)?.count ?? 0),
  ]);
}

const files = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const opts = new BenchArgs(process.argv.slice(2).filter((a) => !files.includes(a)));
const TOP = opts.number('top', 40);
const CLOSURE_NAMES = opts.has('closure-names');
const PER = opts.has('per') ? opts.number('per', 1) : undefined;
const rows = (g: Groups): [string, number, number][] => [...g].map(([k, v]) => [k, v.bytes, v.count]);

const first = summarize(files[0]);
if (files.length === 1) {
  console.log(`${files[0]}: ${(first.totalBytes / MIB).toFixed(1)} MiB reachable`);
  table('self size by constructor', rows(first.byClass), TOP, PER);
  table('self size by owner (nearest dominating instance of a named class)', rows(first.byOwner), TOP, PER);
  table('unowned bytes by their topmost unowned object (kind or first keys)', rows(first.unowned), TOP, PER);
} else {
  const second = summarize(files[1]);
  const grow = second.totalBytes - first.totalBytes;
  console.log(
    `${files[0]} -> ${files[1]}: ${(first.totalBytes / MIB).toFixed(1)} -> ${(second.totalBytes / MIB).toFixed(1)} MiB reachable (+${(grow / MIB).toFixed(1)} MiB${PER ? `, ${(grow / PER / KIB).toFixed(2)} KiB each of ${PER}` : ''})`,
  );
  table('growth of self size by constructor', diff(first.byClass, second.byClass), TOP, PER);
  table('growth of self size by owner', diff(first.byOwner, second.byOwner), TOP, PER);
  table(
    'growth of unowned bytes by their topmost unowned object',
    diff(first.unowned, second.unowned),
    TOP,
    PER,
  );
}
