// Label selectors: the string syntax (`a=b,c!=d,e in (x,y),f notin (z),g,!h,n>1`) and
// LabelSelector objects (matchLabels/matchExpressions) both compile to one Selector.

import type { LabelSelector } from './types.js';
import { isLabelValue, isQualifiedName } from './validation.js';

export type SelectorOperator =
  | 'In'
  | 'NotIn'
  | 'Exists'
  | 'DoesNotExist'
  | 'Equals'
  | 'NotEquals'
  | 'Gt'
  | 'Lt';

export interface Requirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

/** All requirements must hold (AND). An empty selector matches everything. */
export interface Selector {
  requirements: Requirement[];
}

export class LabelSelectorError extends Error {
  override name = 'LabelSelectorError';
  constructor(
    readonly input: string,
    detail: string,
  ) {
    super(`unable to parse label selector "${input}": ${detail}`);
  }
}

export const everything: Selector = { requirements: [] };

type Tok = { t: 'id' | 'op' | '(' | ')' | ',' | '!'; v: string };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ t: c, v: c });
      i++;
    } else if (s.startsWith('==', i) || s.startsWith('!=', i)) {
      out.push({ t: 'op', v: s.slice(i, i + 2) });
      i += 2;
    } else if (c === '=' || c === '>' || c === '<') {
      out.push({ t: 'op', v: c });
      i++;
    } else if (c === '!') {
      out.push({ t: '!', v: c });
      i++;
    } else {
      let j = i;
      while (j < s.length && !' \t(),=!<>'.includes(s[j])) j++;
      out.push({ t: 'id', v: s.slice(i, j) });
      i = j;
    }
  }
  return out;
}

function checkKey(input: string, key: string): void {
  const errs = isQualifiedName(key);
  if (errs.length) throw new LabelSelectorError(input, `invalid label key "${key}": ${errs.join('; ')}`);
}

function checkValue(input: string, v: string): void {
  const errs = isLabelValue(v);
  if (errs.length) throw new LabelSelectorError(input, `invalid label value "${v}": ${errs.join('; ')}`);
}

/** Parses the string form used in `?labelSelector=` and `kubectl -l`. */
export function parseSelector(input: string): Selector {
  const toks = tokenize(input);
  const reqs: Requirement[] = [];
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  while (i < toks.length) {
    let tok = next();
    if (tok.t === '!') {
      const k = next();
      if (k?.t !== 'id') throw new LabelSelectorError(input, "expected a key after '!'");
      checkKey(input, k.v);
      reqs.push({ key: k.v, operator: 'DoesNotExist', values: [] });
    } else if (tok.t === 'id') {
      const key = tok.v;
      checkKey(input, key);
      const op = peek();
      if (!op || op.t === ',') {
        reqs.push({ key, operator: 'Exists', values: [] });
      } else if (op.t === 'op') {
        next();
        const v = peek() && peek().t === 'id' ? next().v : '';
        const operator: SelectorOperator =
          op.v === '!=' ? 'NotEquals' : op.v === '>' ? 'Gt' : op.v === '<' ? 'Lt' : 'Equals';
        if (operator === 'Gt' || operator === 'Lt') {
          if (!/^-?\d+$/.test(v))
            throw new LabelSelectorError(input, `for '${op.v}', '${v}' must be an integer`);
        } else checkValue(input, v);
        reqs.push({ key, operator, values: [v] });
      } else if (op.t === 'id' && (op.v === 'in' || op.v === 'notin')) {
        next();
        if (next()?.t !== '(') throw new LabelSelectorError(input, `expected '(' after '${op.v}'`);
        const values: string[] = [];
        for (;;) {
          tok = next();
          if (!tok) throw new LabelSelectorError(input, "expected ')'");
          if (tok.t === ')') break;
          if (tok.t === ',') continue;
          if (tok.t !== 'id') throw new LabelSelectorError(input, `unexpected '${tok.v}' in value list`);
          checkValue(input, tok.v);
          values.push(tok.v);
        }
        if (values.length === 0) throw new LabelSelectorError(input, `'${op.v}' needs at least one value`);
        reqs.push({ key, operator: op.v === 'in' ? 'In' : 'NotIn', values });
      } else {
        throw new LabelSelectorError(input, `unexpected '${op.v}' after key "${key}"`);
      }
    } else {
      throw new LabelSelectorError(input, `unexpected '${tok.v}'`);
    }
    const sep = next();
    if (sep && sep.t !== ',') throw new LabelSelectorError(input, `expected ',' but found '${sep.v}'`);
    if (sep && i >= toks.length) throw new LabelSelectorError(input, "trailing ','");
  }
  return { requirements: reqs };
}

export class InvalidLabelSelectorObjectError extends Error {
  override name = 'InvalidLabelSelectorObjectError';
}

/** Compiles a LabelSelector object (as in Deployment.spec.selector). */
export function fromLabelSelector(sel: LabelSelector | undefined): Selector {
  if (!sel) return everything;
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    reqs.push({ key, operator: 'Equals', values: [value] });
  }
  for (const e of sel.matchExpressions ?? []) {
    const values = e.values ?? [];
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0)
      throw new InvalidLabelSelectorObjectError(
        `matchExpressions ${e.key}: operator ${e.operator} needs values`,
      );
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0)
      throw new InvalidLabelSelectorObjectError(
        `matchExpressions ${e.key}: operator ${e.operator} takes no values`,
      );
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator))
      throw new InvalidLabelSelectorObjectError(`matchExpressions ${e.key}: unknown operator ${e.operator}`);
    reqs.push({ key: e.key, operator: e.operator, values });
  }
  return { requirements: reqs };
}

function holds(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Equals':
    case 'In':
      return has && r.values.includes(v);
    case 'NotEquals':
    case 'NotIn':
      return !has || !r.values.includes(v);
    case 'Gt':
    case 'Lt': {
      if (!has || !/^-?\d+$/.test(v)) return false;
      const n = Number(v);
      const ref = Number(r.values[0]);
      return r.operator === 'Gt' ? n > ref : n < ref;
    }
  }
}

export function matches(sel: Selector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return sel.requirements.every((r) => holds(r, l));
}

export function isEverything(sel: Selector): boolean {
  return sel.requirements.length === 0;
}

/** The string form (canonical), e.g. for kubectl-style messages and round trips. */
export function selectorToString(sel: Selector): string {
  return sel.requirements
    .map((r): string => {
      switch (r.operator) {
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'Equals':
          return `${r.key}=${r.values[0]}`;
        case 'NotEquals':
          return `${r.key}!=${r.values[0]}`;
        case 'Gt':
          return `${r.key}>${r.values[0]}`;
        case 'Lt':
          return `${r.key}<${r.values[0]}`;
        case 'In':
          return `${r.key} in (${r.values.join(',')})`;
        default:
          return `${r.key} notin (${r.values.join(',')})`;
      }
    })
    .join(',');
}
