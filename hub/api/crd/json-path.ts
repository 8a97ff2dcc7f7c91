// The JSONPath subset CRD printer columns use (`.spec.replicas`, `.status.items[0].name`,
// `.items[*].name`, `.status.conditions[?(@.type=="Ready")].status`, `.metadata.labels['a.b/c']`),
// as kubectl's jsonpath package reads them: every match, in document order.

import { isPlainObject } from '../patch/merge.js';

type Step =
  | { t: 'field'; name: string }
  | { t: 'index'; i: number }
  | { t: 'all' }
  | { t: 'filter'; path: string[]; value: string };

export class JsonPathError extends Error {
  override name = 'JsonPathError';
}

const FIELD = /^\.([A-Za-z0-9_-]+)/;
const QUOTED = /^\[['"]([^'"]+)['"]\]/;
const INDEX = /^\[(-?\d+)\]/;
const ALL = /^(\[\*\]|\.\*)/;
const FILTER = /^\[\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*==\s*(?:"([^"]*)"|'([^']*)'|([\w.-]+))\)\]/;

function nextStep(rest: string): { step: Step; length: number } | undefined {
  const all = ALL.exec(rest);
  if (all) return { step: { t: 'all' }, length: all[0].length };
  const field = FIELD.exec(rest) ?? QUOTED.exec(rest);
  if (field) return { step: { t: 'field', name: field[1] }, length: field[0].length };
  const index = INDEX.exec(rest);
  if (index) return { step: { t: 'index', i: Number(index[1]) }, length: index[0].length };
  const f = FILTER.exec(rest);
  if (f)
    return {
      step: { t: 'filter', path: f[1].slice(1).split('.'), value: f[2] ?? f[3] ?? f[4] ?? '' },
      length: f[0].length,
    };
  return undefined;
}

/** Parses path; a path kubectl would refuse (or this subset does not read) throws JsonPathError. */
export function parseJsonPath(path: string): Step[] {
  let rest = path
    .trim()
    .replace(/^\{(.*)\}$/, '$1')
    .replace(/^\$/, '');
  const steps: Step[] = [];
  while (rest.length) {
    const step = nextStep(rest);
    if (!step) throw new JsonPathError(`unsupported JSONPath at "${rest}"`);
    steps.push(step.step);
    rest = rest.slice(step.length);
  }
  return steps;
}

function get(v: unknown, name: string): unknown {
  return isPlainObject(v) ? v[name] : undefined;
}

/** Every value steps reach from obj. */
export function evaluate(steps: Step[], obj: unknown): unknown[] {
  let cur: unknown[] = [obj];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (s.t === 'field') {
        const x = get(v, s.name);
        if (x !== undefined) next.push(x);
      } else if (s.t === 'index') {
        if (Array.isArray(v)) {
          const x = v[s.i < 0 ? v.length + s.i : s.i];
          if (x !== undefined) next.push(x);
        }
      } else if (s.t === 'all') {
        if (Array.isArray(v)) next.push(...v);
        else if (isPlainObject(v)) next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        for (const item of v) {
          const got = s.path.reduce<unknown>((o, k) => get(o, k), item);
          if (got !== undefined && String(got) === s.value) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}
