// Store keys <-> NATS KV keys (subject tokens). A store key is split at '/', each segment is
// escaped to the characters a KV key token allows ([A-Za-z0-9_-]; anything else, '.' and '='
// included, as =HH per UTF-8 byte; an empty segment as a lone '='), and the segments are
// joined with '.'. So '/registry/pods/default/web-1' becomes '=.registry.pods.default.web-1'
// (readable with the nats CLI; a segment is a subject token). The mapping is one-to-one, so
// decodeKey(encodeKey(k)) === k; a token encodeKey never makes (e.g. '=pad') decodes to
// undefined, so the store can keep private subjects in the bucket's stream.

const PLAIN = /^[A-Za-z0-9_-]$/;

function escapeSegment(seg: string): string {
  if (seg === '') return '=';
  let out = '';
  for (const ch of seg) {
    if (PLAIN.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const HEX2 = /^[0-9A-F]{2}$/;

function unescapeSegment(tok: string): string | undefined {
  if (tok === '=') return '';
  if (!tok.includes('=')) return tok;
  const bytes: number[] = [];
  for (let i = 0; i < tok.length; i++) {
    if (tok[i] === '=') {
      const hex = tok.slice(i + 1, i + 3);
      if (!HEX2.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(tok.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The KV key (subject suffix after `$KV.<bucket>.`) of a store key. */
export function encodeKey(key: string): string {
  return key.split('/').map(escapeSegment).join('.');
}

/** The store key of a KV key made by encodeKey; undefined for a key encodeKey never makes. */
export function decodeKey(kvKey: string): string | undefined {
  const segs: string[] = [];
  for (const tok of kvKey.split('.')) {
    const seg = unescapeSegment(tok);
    if (seg === undefined) return undefined;
    segs.push(seg);
  }
  return segs.join('/');
}
