// JSON with a nesting bound, checked by a linear scan before JSON.parse builds anything.
// Why: a 1 MB body of brackets parses (V8's JSON.parse is iterative) into an object whose every
// later recursive walk (strict decoding, merge, clone) can exhaust the stack, and V8 aborts the
// whole process when that happens inside RegExp compilation (issue #14). Go's encoding/json
// keeps a depth limit for the same reason.

/** A document nested deeper than the limit; `offset` is the character where the limit was passed. */
export class JsonTooDeepError extends Error {
  override name = 'JsonTooDeepError';
  constructor(
    readonly maxDepth: number,
    readonly offset: number,
  ) {
    super(`nesting deeper than ${maxDepth} levels at character ${offset}`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * The offset at which `text` first nests deeper than `maxDepth` arrays/objects, or -1.
 * Brackets inside strings do not count. Malformed JSON is left for JSON.parse to report.
 */
export function jsonDepthExceededAt(text: string, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > maxDepth) return i;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return -1;
}

/** JSON.parse that refuses (JsonTooDeepError) before parsing when the text nests too deep. */
export function parseJsonBounded(text: string, maxDepth: number): unknown {
  const at = jsonDepthExceededAt(text, maxDepth);
  if (at >= 0) throw new JsonTooDeepError(maxDepth, at);
  return JSON.parse(text);
}
