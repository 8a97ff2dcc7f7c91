// Request bodies: read with a hard size limit (never buffering past it), then decode JSON or
// YAML with the parse error's line and column, or a patch by its content type.

import type { IncomingMessage } from 'node:http';
import YAML from 'yaml';
import type { PatchType } from '../client.js';
import { BadRequestError, RequestEntityTooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import { decodeKubeProtobuf } from './protobuf.js';

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

export function parseJson(text: string): unknown {
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

export function parseYaml(text: string): unknown {
  const docs = YAML.parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length > 1)
    throw new BadRequestError(
      `the body has ${list.length} YAML documents; send one object per request (kubectl splits multi-document files itself)`,
    );
  const doc = list[0];
  if (!doc) return undefined;
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    throw new BadRequestError(
      `error decoding the request body as YAML${where}: ${err.message.split('\n')[0]}`,
    );
  }
  return doc.toJS();
}

/** Decodes a POST/PUT body (JSON or YAML). */
export function decodeObject(buf: Buffer, contentType: string | undefined): unknown {
  const mt = mediaType(contentType);
  if (mt === 'application/vnd.kubernetes.protobuf') return decodeKubeProtobuf(buf);
  const text = buf.toString('utf8');
  if (text.trim() === '')
    throw new BadRequestError('the request body is empty: send the object as JSON or YAML');
  if (JSON_TYPES.has(mt)) return parseJson(text);
  if (YAML_TYPES.has(mt)) return parseYaml(text);
  throw new UnsupportedMediaTypeError(mt);
}

/** Decodes a PATCH body; the content type names the patch type. */
export function decodePatch(
  buf: Buffer,
  contentType: string | undefined,
): { type: PatchType; patch: unknown } {
  const mt = mediaType(contentType);
  if (mt === 'application/apply-patch+yaml')
    throw new UnsupportedMediaTypeError(
      `${mt} (server-side apply is not supported: use client-side \`kubectl apply\`)`,
    );
  const type = PATCH_TYPES[mt];
  if (!type) throw new UnsupportedMediaTypeError(mt);
  const text = buf.toString('utf8');
  if (text.trim() === '') throw new BadRequestError('the patch is empty');
  return { type, patch: parseJson(text) };
}
