// JSON patch (RFC 6902): add, remove, replace, move, copy, test with JSON pointers (RFC 6901).

import { isPlainObject } from './merge.js';

export class JsonPatchError extends Error {
  override name = 'JsonPatchError';
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer "${p}": must start with '/'`);
  return p
    .slice(1)
    .split('/')
    .map((s) => {
      const seg = s.replace(/~1/g, '/').replace(/~0/g, '~');
      // Never walk into prototypes (prototype pollution).
      if (seg === '__proto__' || seg === 'constructor' || seg === 'prototype')
        throw new JsonPatchError(`invalid JSON pointer "${p}": segment "${seg}" is not allowed`);
      return seg;
    });
}

type Container = Record<string, unknown> | unknown[];

function walk(doc: unknown, parts: string[], path: string): Container {
  let cur: unknown = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isPlainObject(cur)) cur = cur[p];
    else cur = undefined;
    if (cur === undefined) throw new JsonPatchError(`path "${path}" does not exist`);
  }
  if (!Array.isArray(cur) && !isPlainObject(cur))
    throw new JsonPatchError(`path "${path}": parent is not an object or array`);
  return cur;
}

function get(doc: unknown, path: string): unknown {
  const parts = parsePointer(path);
  if (parts.length === 0) return doc;
  const parent = walk(doc, parts.slice(0, -1), path);
  const last = parts[parts.length - 1];
  const v = Array.isArray(parent) ? parent[Number(last)] : parent[last];
  if (v === undefined) throw new JsonPatchError(`path "${path}" does not exist`);
  return v;
}

function index(arr: unknown[], s: string, path: string, forAdd: boolean): number {
  if (forAdd && s === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(s)) throw new JsonPatchError(`path "${path}": "${s}" is not an array index`);
  const i = Number(s);
  if (i > arr.length || (!forAdd && i >= arr.length))
    throw new JsonPatchError(`path "${path}": index ${i} out of range`);
  return i;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const parts = parsePointer(path);
  if (parts.length === 0) return value;
  const parent = walk(doc, parts.slice(0, -1), path);
  const last = parts[parts.length - 1];
  if (Array.isArray(parent)) parent.splice(index(parent, last, path, true), 0, value);
  else parent[last] = value;
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const parts = parsePointer(path);
  if (parts.length === 0) throw new JsonPatchError('cannot remove the whole document');
  const parent = walk(doc, parts.slice(0, -1), path);
  const last = parts[parts.length - 1];
  if (Array.isArray(parent)) parent.splice(index(parent, last, path, false), 1);
  else {
    if (!(last in parent)) throw new JsonPatchError(`path "${path}" does not exist`);
    delete parent[last];
  }
  return doc;
}

/** In place, so object key order is kept. */
function replace(doc: unknown, path: string, value: unknown): unknown {
  const parts = parsePointer(path);
  if (parts.length === 0) return value;
  get(doc, path);
  const parent = walk(doc, parts.slice(0, -1), path);
  const last = parts[parts.length - 1];
  if (Array.isArray(parent)) parent[index(parent, last, path, false)] = value;
  else parent[last] = value;
  return doc;
}

export function applyJsonPatch(docIn: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new JsonPatchError('a JSON patch must be an array of operations');
  let doc = structuredClone(docIn);
  ops.forEach((op, i) => {
    if (!isPlainObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string')
      throw new JsonPatchError(`operation ${i}: needs "op" and "path"`);
    const path = op.path;
    switch (op.op) {
      case 'add':
        doc = add(doc, path, structuredClone(op.value));
        break;
      case 'remove':
        doc = remove(doc, path);
        break;
      case 'replace':
        doc = replace(doc, path, structuredClone(op.value));
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string') throw new JsonPatchError(`operation ${i}: "${op.op}" needs "from"`);
        const v = structuredClone(get(doc, op.from));
        if (op.op === 'move') doc = remove(doc, op.from);
        doc = add(doc, path, v);
        break;
      }
      case 'test':
        if (JSON.stringify(get(doc, path)) !== JSON.stringify(op.value))
          throw new JsonPatchError(`operation ${i}: test failed at "${path}"`);
        break;
      default:
        throw new JsonPatchError(`operation ${i}: unknown op "${op.op}"`);
    }
  });
  return doc;
}
