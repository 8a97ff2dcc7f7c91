// Every string and list of a report, bounded: lengths, entries, depth, no control characters
// and no lone UTF-16 surrogates (what JSON's \ud800 escape makes of invalid UTF-8) in names.
// Free text (messages: a container's termination message or a probe's output is whatever it
// printed) is cut to its bound and its control characters and lone surrogates are replaced
// with U+FFFD in place, rather than refused: an honest board must not lose its status to it.
// Walks whatever the report holds, so a field nobody expected is bounded too.

import type { StatusCause } from '../../../shared/api/types.js';
import { cause } from '../../api/meta.js';
import { REPORT_LIMITS } from './limits.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL_BUT_SPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNPRINTABLE_FREE_TEXT = new RegExp(`${CONTROL_BUT_SPACE.source}|${LONE_SURROGATE.source}`, 'g');

/** Free text cut to maxChars, control characters (but tab, newline, CR) and lone surrogates replaced by U+FFFD. */
export function sanitizeFreeText(v: string, maxChars: number): string {
  return v.slice(0, maxChars).replace(UNPRINTABLE_FREE_TEXT, '\ufffd');
}

export interface TextRules {
  /** Keys whose string values are free text (messages): longer, may hold tabs and newlines. */
  messageKeys: ReadonlySet<string>;
  maxMessageChars: number;
}

const DEFAULT_RULES: TextRules = {
  messageKeys: new Set(['message']),
  maxMessageChars: REPORT_LIMITS.maxMessageChars,
};

/** Problems with one name-like string (empty = fine). */
export function stringProblems(v: string, maxChars: number): string[] {
  const out: string[] = [];
  if (v.length > maxChars) out.push(`Too long: may not be more than ${maxChars} characters`);
  if (CONTROL.test(v)) out.push('Invalid value: must not contain control characters');
  if (LONE_SURROGATE.test(v)) out.push('Invalid value: must be valid UTF-8 (lone surrogate)');
  return out;
}

/** Problems of the value's strings and lists; free text in it is sanitized in place. */
export function checkText(value: unknown, path: string, rules: TextRules = DEFAULT_RULES): StatusCause[] {
  const out: StatusCause[] = [];
  const walk = (v: unknown, p: string, key: string, depth: number): void => {
    if (out.length >= REPORT_LIMITS.maxEntries) return; // enough said; do not walk a flood
    if (typeof v === 'string') {
      for (const m of stringProblems(v, REPORT_LIMITS.maxTextChars)) out.push(cause(p, m));
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
      const fieldKey = Array.isArray(v) ? key : k;
      if (typeof x === 'string' && rules.messageKeys.has(fieldKey)) {
        (v as Record<string, unknown>)[k] = sanitizeFreeText(x, rules.maxMessageChars);
        continue;
      }
      if (!Array.isArray(v))
        for (const m of stringProblems(k, REPORT_LIMITS.maxTextChars)) out.push(cause(kp, `key: ${m}`));
      walk(x, kp, fieldKey, depth + 1);
    }
  };
  walk(value, path, '', 0);
  return out;
}
