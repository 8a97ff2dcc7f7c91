// Requests to a version that is not the storage version (autoscaling/v1 of the v2-stored
// HorizontalPodAutoscaler): bodies are checked against this version's schema, converted to the
// storage version and written through the storage def's one verb path; answers are converted
// back. A patch applies to this version's form of the object, as kube-apiserver patches the
// requested version. Server-side apply is served on the storage version only.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../../shared/api/types.js';
import type { ApiCore, RequestOptions } from '../core.js';
import { BadRequestError, MethodNotAllowedError } from '../errors.js';
import { deleteObject } from '../ops/delete.js';
import { checkInput } from '../ops/input.js';
import { getObject, listObjects } from '../ops/read.js';
import { applyPatch, createObject, updateObject } from '../ops/write.js';
import { apiVersionOf, type ResourceDef } from '../resource.js';
import { defaultTable, toTable } from '../table.js';
import { includeObject, wantsTable } from './accept.js';
import { APPLY_PATCH_TYPE, mediaType } from './body.js';
import type { ResourceRequest } from './resource-handler.js';
import { sendJson, warningHeaders } from './respond.js';
import { serveWatch } from './watch-stream.js';

type Conversion = NonNullable<ResourceDef['convert']>;

export async function handleConverted(
  req: IncomingMessage,
  res: ServerResponse,
  r: ResourceRequest,
  /** The request's core (a dry-run one for writes that ask for it). */
  core: ApiCore,
  verb: string,
  opts: () => RequestOptions,
  conv: Conversion,
): Promise<void> {
  const { def, namespace: ns, name, query: q } = r;
  const storage = conv.storage;
  const out = (o: KubeObject) => conv.fromStorage(o);
  const table = wantsTable(req.headers.accept);
  const include = includeObject(q);
  const incoming = (body: unknown, current?: KubeObject) => {
    const o = opts();
    const v = checkInput(def, body, o, ns);
    return { obj: conv.toStorage(v, current), o };
  };
  switch (verb) {
    case 'get': {
      const obj = await getObject(core, storage, ns, name!);
      const t = table && toTable(storage.table ?? defaultTable, [obj], include, obj.metadata);
      sendJson(res, 200, t ? { ...t, apiVersion: table.apiVersion } : out(obj));
      return;
    }
    case 'list': {
      const list = await listObjects(core, storage, ns, {
        ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
        ...(q.get('fieldSelector') ? { fieldSelector: q.get('fieldSelector')! } : {}),
      });
      if (table) {
        const t = toTable(storage.table ?? defaultTable, list.items, include, list.metadata);
        sendJson(res, 200, { ...t, apiVersion: table.apiVersion });
        return;
      }
      sendJson(res, 200, { ...list, apiVersion: apiVersionOf(def), items: list.items.map(out) });
      return;
    }
    case 'watch':
      if (name) throw new BadRequestError('watch a single object with ?fieldSelector=metadata.name=NAME');
      await serveWatch(req, res, {
        core: core,
        def: storage,
        namespace: ns,
        query: q,
        table,
        include,
        track: r.track,
        bookmarkIntervalMs: r.bookmarkIntervalMs,
        convert: out,
      });
      return;
    case 'create': {
      if (name) throw new MethodNotAllowedError('create', `${def.resource}/${name}`);
      const { obj, o } = incoming(await r.body.object(await r.body.read(req), req.headers['content-type']));
      const created = await createObject(core, storage, ns, obj, o);
      sendJson(res, 201, out(created), warningHeaders(o.warnings ?? []));
      return;
    }
    case 'update': {
      const body = await r.body.object(await r.body.read(req), req.headers['content-type']);
      const current = await getObject(core, storage, ns, name!);
      const { obj, o } = incoming(body, current);
      const updated = await updateObject(core, storage, ns, name!, obj, undefined, o);
      sendJson(res, 200, out(updated), warningHeaders(o.warnings ?? []));
      return;
    }
    case 'patch': {
      if (mediaType(req.headers['content-type']) === APPLY_PATCH_TYPE)
        throw new MethodNotAllowedError(
          'apply',
          `${def.resource} in ${apiVersionOf(def)}; apply to ${apiVersionOf(storage)}`,
        );
      const { type, patch } = r.body.patch(await r.body.read(req), req.headers['content-type']);
      const current = await getObject(core, storage, ns, name!);
      const patched = applyPatch(type, out(current), patch) as KubeObject;
      // The version patched is the precondition: a write in between makes this a 409 to retry.
      patched.metadata = { ...patched.metadata, resourceVersion: current.metadata.resourceVersion };
      const { obj, o } = incoming(patched, current);
      const updated = await updateObject(core, storage, ns, name!, obj, undefined, o);
      sendJson(res, 200, out(updated), warningHeaders(o.warnings ?? []));
      return;
    }
    case 'delete': {
      const deleted = await deleteObject(core, storage, ns, name!, {});
      sendJson(res, 200, deleted.kind === storage.kind ? out(deleted) : deleted);
      return;
    }
    default:
      throw new MethodNotAllowedError(verb, def.resource);
  }
}
