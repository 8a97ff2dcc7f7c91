// Every string and list of a report, bounded: lengths, entries, depth, no control characters
// (free text may hold tabs and newlines), no lone UTF-16 surrogates (what JSON's \ud800 escape
// makes of invalid UTF-8). Walks whatever the report holds, so a field nobody expected is
// bounded too.

import type { StatusCause } from '../../../shared/api/types.js';
import { cause } from '../../api/meta.js';
import { REPORT_LIMITS } from './limits.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL_BUT_SPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface TextRules {
  /** Keys whose string values are free text (messages): longer, may hold tabs and newlines. */
  messageKeys: ReadonlySet<string>;
  maxMessageChars: number;
}

const DEFAULT_RULES: TextRules = {
  messageKeys: new Set(['message']),
  maxMessageChars: REPORT_LIMITS.maxMessageChars,
};

/** Problems with one string (empty = fine). */
export function stringProblems(v: string, maxChars: number, freeText: boolean): string[] {
  const out: string[] = [];
  if (v.length > maxChars) out.push(`Too long: may not be more than ${maxChars} characters`);
  if ((freeText ? CONTROL_BUT_SPACE : CONTROL).test(v))
    out.push('Invalid value: must not contain control characters');
  if (LONE_SURROGATE.test(v)) out.push('Invalid value: must be valid UTF-8 (lone surrogate)');
  return out;
}

export function checkText(value: unknown, path: string, rules: TextRules = DEFAULT_RULES): StatusCause[] {
  const out: StatusCause[] = [];
  const walk = (v: unknown, p: string, key: string, depth: number): void => {
    if (out.length >= REPORT_LIMITS.maxEntries) return; // enough said; do not walk a flood
    if (typeof v === 'string') {
      const free = rules.messageKeys.has(key);
      const max = free ? rules.maxMessageChars : REPORT_LIMITS.maxTextChars;
      for (const m of stringProblems(v, max, free)) out.push(cause(p, m));
      return;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) out.push(cause(p, 'Invalid value: must be a finite number'));
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (depth >= REPORT_LIMITS.maxDepth) {
      out.push(cause(p, `Invalid value: nested deeper than ${REPORT_LIMITS.maxDepth} levels`));
      return;
    }
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    if (entries.length > REPORT_LIMITS.maxEntries) {
      out.push(
        cause(
          p,
          `Too many: ${entries.length}: must have at most ${REPORT_LIMITS.maxEntries} entries`,
          'FieldValueTooMany',
        ),
      );
      return;
    }
    for (const [k, x] of entries) {
      const kp = Array.isArray(v) ? `${p}[${k}]` : `${p}.${k}`;
      if (!Array.isArray(v))
        for (const m of stringProblems(k, REPORT_LIMITS.maxTextChars, false))
          out.push(cause(kp, `key: ${m}`));
      walk(x, kp, Array.isArray(v) ? key : k, depth + 1);
    }
  };
  walk(value, path, '', 0);
  return out;
}
