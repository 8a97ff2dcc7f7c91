// get and list (label/field selectors, limit/continue).

import type { KubeList, KubeObject } from '../../../shared/api/types.js';
import type { ListOptions } from '../client.js';
import type { ApiCore } from '../core.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import { fromKv, storeKey, storePrefix } from '../meta.js';
import { apiVersionOf, type ResourceDef } from '../resource.js';
import { objectFilter } from './selectors.js';

/** Store page size while filtering a list (keys). */
const SCAN_PAGE = 500;

export async function getObject(
  core: ApiCore,
  def: ResourceDef,
  ns: string | undefined,
  name: string,
): Promise<KubeObject> {
  if (def.namespaced && !ns) throw new BadRequestError(`a namespace is required to get ${def.resource}`);
  const kv = await core.store.get(storeKey(def, ns, name));
  if (!kv) throw new NotFoundError(def.resource, name, def.group);
  // The caller's own object (in-process callers may change it).
  return core.objects.copy(kv, def);
}

function encodeContinue(key: string, rv: number): string {
  return Buffer.from(JSON.stringify({ k: key, rv })).toString('base64url');
}

function decodeContinue(token: string, prefix: string): string {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k?: unknown };
    if (typeof v.k === 'string' && v.k.startsWith(prefix)) return v.k;
  } catch {
    // fall through
  }
  throw new BadRequestError(
    'continue key is not valid: pass the metadata.continue of the previous list response unchanged',
  );
}

export async function listObjects(
  core: ApiCore,
  def: ResourceDef,
  ns: string | undefined,
  opts: ListOptions = {},
): Promise<KubeList> {
  const filter = objectFilter(def, opts.labelSelector, opts.fieldSelector);
  core.lists?.inc({ resource: def.resource });
  const prefix = storePrefix(def, ns);
  const limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
  let startAfter = opts.continue ? decodeContinue(opts.continue, prefix) : undefined;
  const items: KubeObject[] = [];
  let revision: number | undefined;
  let cont: string | undefined;
  for (;;) {
    const pageSize = limit ? Math.min(SCAN_PAGE, limit + 1) : SCAN_PAGE;
    const page = await core.store.list(prefix, { limit: pageSize, ...(startAfter ? { startAfter } : {}) });
    revision ??= page.revision;
    for (let i = 0; i < page.items.length; i++) {
      const obj = fromKv(page.items[i], def);
      if (filter(obj)) items.push(obj);
      startAfter = page.items[i].key;
      if (limit && items.length === limit) {
        if (i < page.items.length - 1 || page.items.length === pageSize)
          cont = encodeContinue(startAfter, revision);
        break;
      }
    }
    if (cont || (limit && items.length === limit) || page.items.length < pageSize) break;
  }
  return {
    apiVersion: apiVersionOf(def),
    kind: `${def.kind}List`,
    metadata: { resourceVersion: String(revision ?? 0), ...(cont ? { continue: cont } : {}) },
    items,
  };
}
