// Checks a decoded body against the kind of the URL: kind/apiVersion, namespace, and the
// kind's strict schema (unknown fields, JSON types).

import type { KubeObject } from '../../../shared/api/types.js';
import { BadRequestError } from '../errors.js';
import { isPlainObject } from '../patch/merge.js';
import { apiVersionOf, type ResourceDef } from '../resource.js';
import { checkSchema, dropUnknown } from '../schema.js';
import type { RequestOptions } from '../core.js';

export function checkInput(
  def: ResourceDef,
  body: unknown,
  opts: RequestOptions,
  pathNamespace?: string,
): KubeObject {
  if (!isPlainObject(body))
    throw new BadRequestError(
      `the request body must be a ${def.kind} object (a JSON or YAML mapping), not ${Array.isArray(body) ? 'a list' : typeof body}`,
    );
  const want = apiVersionOf(def);
  if (body.apiVersion !== undefined && body.apiVersion !== want)
    throw new BadRequestError(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${want}) for ${def.resource}`,
    );
  if (body.kind !== undefined && body.kind !== def.kind)
    throw new BadRequestError(
      `the kind in the data (${String(body.kind)}) does not match the expected kind (${def.kind}) for ${def.resource}; send it to the ${String(body.kind)} endpoint`,
    );
  // A custom object's own fields are decoded as unstructured JSON: its schema prunes what it
  // does not specify, and wrong types are the schema validation's 422 (as upstream); only
  // the envelope (apiVersion, kind, metadata) is decoded strictly.
  const envelope = def.custom
    ? { apiVersion: body.apiVersion, kind: body.kind, metadata: body.metadata }
    : body;
  const problems = checkSchema(envelope, def.schema);
  const typeErrs = problems.filter((p) => p.kind === 'type');
  if (typeErrs.length)
    throw new BadRequestError(`error decoding ${def.kind}: ${typeErrs.map((p) => p.message).join('; ')}`);
  const unknown = problems.filter((p) => p.kind === 'unknown');
  for (const path of def.custom?.prune(body) ?? [])
    unknown.push({ kind: 'unknown', path, message: `unknown field "${path}"` });
  if (unknown.length) {
    const mode = opts.fieldValidation ?? 'Strict';
    if (mode === 'Strict')
      throw new BadRequestError(
        `strict decoding error: ${unknown.map((p) => p.message).join(', ')} (remove the field, or check its spelling and indentation)`,
      );
    if (mode === 'Warn') for (const p of unknown) opts.warnings?.push(p.message);
    dropUnknown(envelope, def.schema);
  }
  const obj = body as unknown as KubeObject;
  obj.apiVersion = want;
  obj.kind = def.kind;
  if (!obj.metadata) obj.metadata = {};
  if (def.namespaced) {
    const ns = obj.metadata.namespace;
    if (ns && pathNamespace && ns !== pathNamespace)
      throw new BadRequestError(
        `the namespace of the provided object (${ns}) does not match the namespace sent on the request (${pathNamespace})`,
      );
    const finalNs = pathNamespace ?? ns;
    if (!finalNs) throw new BadRequestError(`a namespace is required for ${def.resource}`);
    obj.metadata.namespace = finalNs;
  } else {
    delete obj.metadata.namespace;
  }
  return obj;
}
