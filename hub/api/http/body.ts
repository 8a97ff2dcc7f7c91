// Request bodies: read with a hard size limit (never buffering past it), then decode JSON,
// YAML or protobuf with bounded nesting (issue #14), or a patch by its content type. JSON is
// depth-checked by a linear scan before it is parsed; YAML is decoded in a worker thread with a
// time budget (./yaml/pool.ts).

import type { IncomingMessage } from 'node:http';
import { jsonDepthExceededAt } from '../../../shared/codec/json-depth.js';
import type { PatchType } from '../client.js';
import { BadRequestError, RequestEntityTooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import { decodeKubeProtobuf } from './protobuf.js';
import type { YamlDecodePool } from './yaml/pool.js';

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      req.resume(); // discard without buffering
      reject(new RequestEntityTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      total += c.length;
      if (total > limit) {
        failed = true;
        chunks.length = 0;
        reject(new RequestEntityTooLargeError(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(new BadRequestError(`error reading the request body: ${e.message}`));
    });
  });
}

export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml']);
const JSON_TYPES = new Set(['', 'application/json', '*/*', 'text/json']);

/** The content type of a server-side apply PATCH. */
export const APPLY_PATCH_TYPE = 'application/apply-patch+yaml';

export const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
};

function lineCol(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return `line ${line}, column ${col}`;
}

/** JSON with at most `maxDepth` levels of nesting; errors say where, as a 400. */
export function parseJson(text: string, maxDepth: number): unknown {
  const deep = jsonDepthExceededAt(text, maxDepth);
  if (deep >= 0)
    throw new BadRequestError(
      `error decoding the request body as JSON at ${lineCol(text, deep)}: nesting deeper than ${maxDepth} levels`,
    );
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /position (\d+)/.exec(msg);
    const where = m ? ` at ${lineCol(text, Number(m[1]))}` : '';
    throw new BadRequestError(
      `error decoding the request body as JSON${where}: ${msg.replace(/ \(line \d+ column \d+\)/, '')}`,
    );
  }
}

/** Reads and decodes request bodies within the API server's limits. */
export class BodyDecoder {
  constructor(
    /** Largest body, bytes. */
    readonly maxBodyBytes: number,
    /** Deepest nesting of any decoded body, levels. */
    readonly maxDepth: number,
    private readonly yaml: YamlDecodePool,
  ) {}

  read(req: IncomingMessage): Promise<Buffer> {
    return readBody(req, this.maxBodyBytes);
  }

  json(text: string): unknown {
    return parseJson(text, this.maxDepth);
  }

  /** A POST/PUT body (JSON, YAML or Kubernetes protobuf). */
  async object(buf: Buffer, contentType: string | undefined): Promise<unknown> {
    const mt = mediaType(contentType);
    if (mt === 'application/vnd.kubernetes.protobuf') return decodeKubeProtobuf(buf);
    const text = buf.toString('utf8');
    if (text.trim() === '')
      throw new BadRequestError('the request body is empty: send the object as JSON or YAML');
    if (JSON_TYPES.has(mt)) return this.json(text);
    if (YAML_TYPES.has(mt)) return this.yaml.decode(text);
    throw new UnsupportedMediaTypeError(mt);
  }

  /** A server-side apply body (application/apply-patch+yaml: YAML, of which JSON is a part). */
  async applied(buf: Buffer): Promise<unknown> {
    const text = buf.toString('utf8');
    if (text.trim() === '') throw new BadRequestError('the applied configuration is empty');
    return text.trimStart().startsWith('{') ? this.json(text) : this.yaml.decode(text);
  }

  /** A PATCH body; the content type names the patch type. */
  patch(buf: Buffer, contentType: string | undefined): { type: PatchType; patch: unknown } {
    const mt = mediaType(contentType);
    if (mt === APPLY_PATCH_TYPE)
      throw new UnsupportedMediaTypeError(
        `${mt} (server-side apply is served on the object, not its subresources)`,
      );
    const type = PATCH_TYPES[mt];
    if (!type) throw new UnsupportedMediaTypeError(mt);
    const text = buf.toString('utf8');
    if (text.trim() === '') throw new BadRequestError('the patch is empty');
    return { type, patch: this.json(text) };
  }
}
