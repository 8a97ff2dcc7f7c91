// One resource request: method + route -> verb on ApiCore, response in JSON or Table form.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../../shared/api/types.js';
import type { DeleteOptions } from '../client.js';
import { ApiCore, type FieldValidation, type RequestOptions } from '../core.js';
import { dryRunCore, dryRunRequested } from '../dry-run.js';
import type { UserInfo } from '../../auth/user.js';
import { BadRequestError, MethodNotAllowedError, PathNotFoundError } from '../errors.js';
import { deleteCollection, deleteObject } from '../ops/delete.js';
import { getObject, listObjects } from '../ops/read.js';
import { MAX_FIELD_MANAGER_LENGTH } from '../apply/managed-fields.js';
import { type ApplyOptions, applyObject } from '../ops/apply.js';
import { createObject, patchObject, updateObject } from '../ops/write.js';
import { isPlainObject } from '../patch/merge.js';
import type { ResourceDef } from '../resource.js';
import { defaultTable, toTable } from '../table.js';
import { includeObject, wantsTable } from './accept.js';
import { handleConverted } from './converted-handler.js';
import { APPLY_PATCH_TYPE, type BodyDecoder, mediaType } from './body.js';
import { sendJson, warningHeaders } from './respond.js';
import { serveWatch } from './watch-stream.js';

export interface ResourceRequest {
  core: ApiCore;
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
  watchPath: boolean;
  query: URLSearchParams;
  body: BodyDecoder;
  /** Interval between BOOKMARK events on watches that allow them, ms. */
  bookmarkIntervalMs: number;
  /** Who asks (authenticated by the server). */
  user: UserInfo;
  track(end: () => void): () => void;
}

/** The verb for metrics and for kube-style messages. */
export function verbOf(
  method: string,
  r: { name?: string; watchPath: boolean; query: URLSearchParams },
): string {
  const watch = r.watchPath || r.query.get('watch') === 'true' || r.query.get('watch') === '1';
  switch (method) {
    case 'GET':
      return watch ? 'watch' : r.name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return r.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

function requestOptions(q: URLSearchParams, user: UserInfo, userAgent: string | undefined): RequestOptions {
  const fv = q.get('fieldValidation');
  if (fv !== null && !['Strict', 'Warn', 'Ignore'].includes(fv))
    throw new BadRequestError(`fieldValidation "${fv}" is not one of Strict, Warn, Ignore`);
  return {
    fieldValidation: (fv ?? 'Strict') as FieldValidation,
    warnings: [],
    dryRun: dryRunRequested(q.getAll('dryRun')),
    user,
    fieldManager: fieldManagerOf(q, userAgent),
    // Requests that arrive together share a commit (group commit at the end of the loop turn).
    endOfTurn: true,
  };
}

/** fieldManager, or else the user-agent up to its first "/" (upstream's prefixFromUserAgent). */
function fieldManagerOf(q: URLSearchParams, userAgent: string | undefined): string {
  const given = q.get('fieldManager');
  if (given !== null) {
    if (given.length > MAX_FIELD_MANAGER_LENGTH)
      throw new BadRequestError(
        `fieldManager: Too long: may not be more than ${MAX_FIELD_MANAGER_LENGTH} bytes`,
      );
    if (!/^[\x20-\x7e]*$/.test(given))
      throw new BadRequestError('fieldManager: Invalid value: must consist of printable characters');
    return given;
  }
  return (userAgent ?? 'unknown').split('/')[0].slice(0, MAX_FIELD_MANAGER_LENGTH) || 'unknown';
}

/** The apply options; force is valid for apply only (upstream refuses it on other patches). */
function applyOptions(q: URLSearchParams, base: RequestOptions): ApplyOptions {
  if (q.get('fieldManager') === null)
    throw new BadRequestError('fieldManager: Required value: is required for apply requests');
  const force = q.get('force');
  if (force !== null && force !== 'true' && force !== 'false')
    throw new BadRequestError(`force "${force}" must be true or false`);
  return { ...base, fieldManager: base.fieldManager ?? '', force: force === 'true' };
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new BadRequestError(`${name} "${v}" must be an integer`);
  return Number(v);
}

/** The fields of meta/v1 DeleteOptions (what client-go and kubectl send in a delete's body). */
const DELETE_OPTIONS_FIELDS = new Set([
  'kind',
  'apiVersion',
  'gracePeriodSeconds',
  'preconditions',
  'orphanDependents',
  'propagationPolicy',
  'dryRun',
  'ignoreStoreReadErrorWithClusterBreakingPotential',
]);

/** DeleteOptions from the query and the body (client-go sends them in the body, dryRun too). */
async function deleteRequest(
  req: IncomingMessage,
  r: ResourceRequest,
  core: ApiCore,
): Promise<{ core: ApiCore; opts: DeleteOptions }> {
  const q = r.query;
  const buf = await r.body.read(req);
  const opts: DeleteOptions = {};
  let deleteCore = core;
  if (buf.length && buf.toString('utf8').trim()) {
    const mt = mediaType(req.headers['content-type']);
    const b = mt.includes('yaml') ? await r.body.object(buf, mt) : r.body.json(buf.toString('utf8'));
    // A body is DeleteOptions or nothing: anything else is refused, not ignored, so a junk
    // body (another kind, a scalar, hostile nesting) never goes on to delete (strict decoding).
    if (!isPlainObject(b)) throw new BadRequestError('the body of a delete must be a DeleteOptions object');
    const unknown = Object.keys(b).filter((k) => !DELETE_OPTIONS_FIELDS.has(k));
    if (unknown.length)
      throw new BadRequestError(`unknown field ${JSON.stringify(unknown[0])} in DeleteOptions`);
    const { dryRun, ...rest } = b as DeleteOptions & { dryRun?: unknown };
    if (Array.isArray(dryRun) && dryRunRequested(dryRun.map(String)) && core === r.core)
      deleteCore = dryRunCore(r.core);
    Object.assign(opts, rest);
  }
  const gps = intParam(q, 'gracePeriodSeconds');
  if (gps !== undefined) opts.gracePeriodSeconds = gps;
  const pp = q.get('propagationPolicy');
  if (pp) opts.propagationPolicy = pp as DeleteOptions['propagationPolicy'];
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0)
    throw new BadRequestError('gracePeriodSeconds must be >= 0');
  return { core: deleteCore, opts };
}

function selectorsOf(q: URLSearchParams): { labelSelector?: string; fieldSelector?: string } {
  return {
    ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
    ...(q.get('fieldSelector') ? { fieldSelector: q.get('fieldSelector')! } : {}),
  };
}

export async function handleResource(
  req: IncomingMessage,
  res: ServerResponse,
  r: ResourceRequest,
): Promise<void> {
  const { def, namespace: ns, name, subresource: sub, query: q } = r;
  const method = req.method ?? 'GET';
  // Reads ignore dryRun; every write verb runs on a store that writes nothing when asked.
  const core = method !== 'GET' && dryRunRequested(q.getAll('dryRun')) ? dryRunCore(r.core) : r.core;
  const verb = verbOf(method, r);
  const table = wantsTable(req.headers.accept);
  const include = includeObject(q);
  const asTable = (objs: KubeObject[], meta: { resourceVersion?: string; continue?: string }) => {
    const t = toTable(def.table ?? defaultTable, objs, include, meta);
    return { ...t, apiVersion: table!.apiVersion };
  };
  // Authorization before anything is read (not even the body), as kube-apiserver's filter chain.
  const attrs = ApiCore.attributes(def, verb, ns, name, sub, q.get('fieldSelector') ?? undefined);
  await core.authorize(r.user, attrs);
  if (!def.verbs.includes(verb as never) && verb !== 'deletecollection')
    throw new MethodNotAllowedError(verb, def.resource);

  // Kinds served from memory (metrics.k8s.io) answer get and list themselves.
  if (def.serve && !sub && (verb === 'get' || verb === 'list')) {
    const labelSelector = q.get('labelSelector') ?? undefined;
    sendJson(res, 200, await def.serve({ namespace: ns, name, labelSelector }));
    return;
  }

  // Another version of a stored kind (autoscaling/v1 HPAs): converted both ways.
  if (def.convert) {
    if (sub) throw new PathNotFoundError(req.url ?? '');
    await handleConverted(
      req,
      res,
      r,
      core,
      verb,
      () => requestOptions(q, r.user, req.headers['user-agent']),
      def.convert,
    );
    return;
  }

  // Reviews (SelfSubjectAccessReview) are answered, never stored.
  if (def.review && verb === 'create' && !name && !sub) {
    const body = await r.body.object(await r.body.read(req), req.headers['content-type']);
    sendJson(res, 201, await def.review(body as KubeObject, { core, user: r.user, namespace: ns }));
    return;
  }

  // Subresources other than status go to their handler (binding now, log later).
  if (sub && sub !== 'status') {
    if (!name) throw new PathNotFoundError(req.url ?? '');
    const h = def.subresourceHandlers?.[sub] ?? core.subresourceHandler(def.resource, sub);
    if (!h || !def.subresources.includes(sub)) throw new PathNotFoundError(req.url ?? '');
    const ct = req.headers['content-type'];
    const body =
      method === 'POST' || method === 'PUT' ? await r.body.object(await r.body.read(req), ct) : undefined;
    const patch = method === 'PATCH' ? r.body.patch(await r.body.read(req), ct) : undefined;
    const out = await h({
      core,
      def,
      method,
      namespace: ns,
      name,
      subresource: sub,
      query: q,
      body,
      patch,
      user: r.user,
      req,
      res,
    });
    if (!res.headersSent && !res.writableEnded) sendJson(res, method === 'POST' ? 201 : 200, out ?? {});
    return;
  }
  if (sub === 'status' && !def.subresources.includes('status')) throw new PathNotFoundError(req.url ?? '');

  switch (verb) {
    case 'get': {
      const obj = await getObject(core, def, ns, name!);
      sendJson(res, 200, table ? asTable([obj], { resourceVersion: obj.metadata.resourceVersion }) : obj);
      return;
    }
    case 'list': {
      const list = await listObjects(core, def, ns, {
        ...selectorsOf(q),
        ...(intParam(q, 'limit') !== undefined ? { limit: intParam(q, 'limit') } : {}),
        ...(q.get('continue') ? { continue: q.get('continue')! } : {}),
      });
      sendJson(res, 200, table ? asTable(list.items, list.metadata) : list);
      return;
    }
    case 'watch':
      if (name) throw new BadRequestError('watch a single object with ?fieldSelector=metadata.name=NAME');
      await serveWatch(req, res, {
        core,
        def,
        namespace: ns,
        query: q,
        table,
        include,
        track: r.track,
        bookmarkIntervalMs: r.bookmarkIntervalMs,
      });
      return;
    case 'create': {
      if (name) throw new MethodNotAllowedError('create', `${def.resource}/${name}`);
      const opts = requestOptions(q, r.user, req.headers['user-agent']);
      const body = await r.body.object(await r.body.read(req), req.headers['content-type']);
      const obj = await createObject(core, def, ns, body, opts);
      sendJson(res, 201, obj, warningHeaders(opts.warnings ?? []));
      return;
    }
    case 'update': {
      const opts = requestOptions(q, r.user, req.headers['user-agent']);
      const body = await r.body.object(await r.body.read(req), req.headers['content-type']);
      const obj = await updateObject(core, def, ns, name!, body, sub, opts);
      sendJson(res, 200, obj, warningHeaders(opts.warnings ?? []));
      return;
    }
    case 'patch': {
      const opts = requestOptions(q, r.user, req.headers['user-agent']);
      if (mediaType(req.headers['content-type']) === APPLY_PATCH_TYPE && !sub) {
        const applied = await r.body.applied(await r.body.read(req));
        const mayCreate = () => core.authorize(r.user, { ...attrs, verb: 'create' });
        const { object, created } = await applyObject(core, def, ns, name!, applied, {
          ...applyOptions(q, opts),
          mayCreate,
        });
        sendJson(res, created ? 201 : 200, object, warningHeaders(opts.warnings ?? []));
        return;
      }
      if (q.get('force') !== null)
        throw new BadRequestError('force: Forbidden: may not be specified for non-apply patch');
      const { type, patch } = r.body.patch(await r.body.read(req), req.headers['content-type']);
      const obj = await patchObject(core, def, ns, name!, patch, type, sub, opts);
      sendJson(res, 200, obj, warningHeaders(opts.warnings ?? []));
      return;
    }
    case 'delete': {
      const d = await deleteRequest(req, r, core);
      sendJson(res, 200, await deleteObject(d.core, def, ns, name!, d.opts));
      return;
    }
    case 'deletecollection': {
      if (!def.verbs.includes('delete')) throw new MethodNotAllowedError(verb, def.resource);
      const d = await deleteRequest(req, r, core);
      sendJson(res, 200, await deleteCollection(d.core, def, ns, selectorsOf(q), d.opts));
      return;
    }
    default:
      throw new MethodNotAllowedError(verb, def.resource);
  }
}
