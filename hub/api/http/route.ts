// URL -> what is asked: a discovery document or a resource (namespace, name, subresource).

import { BadRequestError, PathNotFoundError } from '../errors.js';
import type { Registry } from '../registry.js';
import type { ResourceDef } from '../resource.js';

export type Route =
  | { t: 'api' }
  | { t: 'apis' }
  | { t: 'group'; group: string }
  | { t: 'groupVersion'; group: string; version: string }
  | {
      t: 'resource';
      def: ResourceDef;
      namespace?: string;
      name?: string;
      subresource?: string;
      watchPath: boolean;
    };

export function parseRoute(path: string, reg: Registry): Route | undefined {
  let segs: string[];
  try {
    segs = path
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
  } catch {
    throw new BadRequestError(`the path ${path} is not valid URL encoding`);
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    if (segs.length === 1) return { t: 'api' };
    group = '';
    version = segs[1];
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    if (segs.length === 1) return { t: 'apis' };
    if (segs.length === 2) return { t: 'group', group: segs[1] };
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  } else return undefined;
  if (rest.length === 0) return { t: 'groupVersion', group, version };
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))
  ) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3) throw new PathNotFoundError(path);
  const def = reg.lookup(group, version, rest[0]);
  if (!def) throw new PathNotFoundError(path);
  if (def.namespaced !== (namespace !== undefined) && !(def.namespaced && rest.length === 1))
    throw new PathNotFoundError(path);
  const [, name, subresource] = rest;
  return { t: 'resource', def, namespace, name, subresource, watchPath };
}
