// YAML body -> JSON text, with bounded nesting and aliases. Runs inside the decode worker
// (./worker.ts): the yaml library can take seconds on a 1.5 MiB body, which must not stall the
// API's event loop (issue #14).
//
// The order is the point: yaml's Parser builds the CST with its own stack (no recursion), the
// nesting of that CST is measured without recursion, and only a bounded tree goes to the
// Composer and toJS, which recurse per level. A recursion that exhausts the stack while V8
// compiles a RegExp aborts the process ("RegExpCompiler Allocation failed"), so it must never
// start. Aliases are bounded by yaml's maxAliasCount (the "billion laughs" guard); the JSON it
// produces is measured again by the caller (an alias chain nests without nesting in the text).

import { Composer, type CST, Lexer, Parser } from 'yaml';

/** What the caller sees: the JSON text of the one document, or why it was refused. */
export type YamlDecodeResult = { ok: true; json: string | undefined } | { ok: false; message: string };

export interface YamlDecodeLimits {
  /** Deepest nesting of collections accepted, levels. */
  maxDepth: number;
  /** yaml's maxAliasCount: how many alias expansions one document may cost. */
  maxAliasCount: number;
  /** Largest JSON the document may expand to, characters (aliases multiply size). */
  maxJsonChars: number;
}

/** Whether a CST token nests collections deeper than `limit` (measured without recursion). */
export function cstDepthExceeds(root: CST.Token, limit: number): boolean {
  const stack: Array<[CST.Token, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [tok, depth] = stack.pop() as [CST.Token, number];
    switch (tok.type) {
      case 'document':
        if (tok.value) stack.push([tok.value, depth]);
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection':
        if (depth + 1 > limit) return true;
        for (const it of tok.items) {
          if (it.key) stack.push([it.key, depth + 1]);
          if (it.value) stack.push([it.value, depth + 1]);
        }
        break;
      default:
        break;
    }
  }
  return false;
}

/**
 * Whether the flow collections ([...], {...}) of src nest deeper than `limit`, from yaml's Lexer
 * alone, which stops at the first level past it. The Parser builds the whole CST before
 * cstDepthExceeds can measure it: ~1.5 s of the worker's CPU (2-3 s on a loaded machine) for
 * issue #14's 400 KB `a: [[[...`, where the lexer reaches level limit + 1 within limit + 5
 * tokens. The lexer yields each flow indicator as a token of its own (a bracket inside a quoted,
 * plain or block scalar or a comment is part of that token), and each is a level of the CST
 * too, so a refusal here is one the CST check would make; what passes is measured there.
 */
export function flowDepthExceeds(src: string, limit: number): boolean {
  let depth = 0;
  for (const tok of new Lexer().lex(src)) {
    if (tok === '[' || tok === '{') {
      if (++depth > limit) return true;
    } else if ((tok === ']' || tok === '}') && depth > 0) depth--;
  }
  return false;
}

function position(src: string, offset: number): string {
  let line = 1;
  let last = -1;
  for (let i = src.indexOf('\n'); i >= 0 && i < offset; i = src.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return `line ${line}, column ${offset - last}`;
}

export function decodeYaml(src: string, limits: YamlDecodeLimits): YamlDecodeResult {
  if (flowDepthExceeds(src, limits.maxDepth))
    return { ok: false, message: `the YAML body nests deeper than ${limits.maxDepth} levels` };
  const tokens = [...new Parser().parse(src)];
  const docs = tokens.filter((t) => t.type === 'document');
  if (docs.length > 1)
    return {
      ok: false,
      message: `the body has ${docs.length} YAML documents; send one object per request (kubectl splits multi-document files itself)`,
    };
  for (const t of tokens)
    if (cstDepthExceeds(t, limits.maxDepth)) {
      const at = 'offset' in t ? ` (document at ${position(src, t.offset)})` : '';
      return {
        ok: false,
        message: `the YAML body nests deeper than ${limits.maxDepth} levels${at}`,
      };
    }
  const composed = [...new Composer().compose(tokens)];
  const doc = composed[0];
  if (!doc) return { ok: true, json: undefined };
  const err = doc.errors[0];
  if (err) {
    return {
      ok: false,
      message: `error decoding the request body as YAML at ${position(src, err.pos[0])}: ${err.message.split('\n')[0]}`,
    };
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(doc.toJS({ maxAliasCount: limits.maxAliasCount }));
  } catch (e) {
    // yaml throws a ReferenceError for alias bombs; JSON.stringify a RangeError on a chain of
    // aliases too deep to expand. Both are the client's document, not a server fault.
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, message: `the YAML body cannot be expanded: ${msg}` };
  }
  if (json !== undefined && json.length > limits.maxJsonChars)
    return {
      ok: false,
      message: `the YAML body expands (through aliases) to more than ${limits.maxJsonChars} characters of JSON`,
    };
  return { ok: true, json };
}
