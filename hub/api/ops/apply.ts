// Server-side apply (PATCH with application/apply-patch+yaml): the applied configuration is
// merged over the live object by field ownership (apply/managed-fields.ts); an absent object is
// created from it. As named steps: check the body, merge and own, then write through the same
// create/update paths as every other write (defaults, validation, dry-run, generation).

import type { KubeObject } from '../../../shared/api/types.js';
import { planApply } from '../apply/managed-fields.js';
import { formatPath } from '../apply/field-set.js';
import type { ApiCore, RequestOptions } from '../core.js';
import { AlreadyExistsError, ApplyConflictError, BadRequestError, NotFoundError } from '../errors.js';
import { clone, nowTimestamp } from '../meta.js';
import { isPlainObject } from '../patch/merge.js';
import { apiVersionOf, type ResourceDef } from '../resource.js';
import { checkInput } from './input.js';
import { applyUpdate, createObject } from './write.js';

export interface ApplyOptions extends RequestOptions {
  fieldManager: string;
  force: boolean;
  /** Asked before apply creates the object: creating needs the create verb, not only patch. */
  mayCreate?: () => Promise<void>;
}

/** Step 1: the body is a whole object of this kind naming this object (upstream requires both). */
function checkApplied(
  def: ResourceDef,
  ns: string | undefined,
  name: string,
  body: unknown,
  opts: ApplyOptions,
): KubeObject {
  if (!isPlainObject(body))
    throw new BadRequestError('the applied configuration must be an object (a YAML or JSON mapping)');
  if (body.apiVersion === undefined || body.kind === undefined)
    throw new BadRequestError(
      `the applied configuration must set apiVersion and kind (${apiVersionOf(def)}, ${def.kind})`,
    );
  const applied = checkInput(def, body, opts, ns);
  if (applied.metadata.name !== undefined && applied.metadata.name !== name)
    throw new BadRequestError(
      `the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`,
    );
  applied.metadata.name = name;
  return applied;
}

/** Step 2: the merged object with its managedFields, or the conflicts as a 409. */
function merge(
  def: ResourceDef,
  live: KubeObject | undefined,
  applied: KubeObject,
  opts: ApplyOptions,
): KubeObject {
  const { object, conflicts } = planApply({
    live,
    applied: clone(applied),
    manager: opts.fieldManager,
    force: opts.force,
    shape: { statusIsSubresource: def.subresources.includes('status') },
    now: nowTimestamp(),
  });
  if (conflicts.length)
    throw new ApplyConflictError(
      conflicts.map((c) => ({ manager: c.manager, apiVersion: c.apiVersion, field: formatPath(c.path) })),
    );
  return object;
}

export async function applyObject(
  core: ApiCore,
  def: ResourceDef,
  ns: string | undefined,
  name: string,
  body: unknown,
  opts: ApplyOptions,
): Promise<{ object: KubeObject; created: boolean }> {
  if (def.namespaced && !ns) throw new BadRequestError(`a namespace is required to apply ${def.resource}`);
  const applied = checkApplied(def, ns, name, body, opts);
  // Only a resourceVersion the configuration itself names is a precondition.
  const precondition = applied.metadata.resourceVersion;
  const update = () =>
    applyUpdate(
      core,
      def,
      ns,
      name,
      (old) => {
        const next = merge(def, old, applied, opts);
        if (precondition === undefined) delete next.metadata.resourceVersion;
        return next;
      },
      undefined,
      // Write admission (RBAC escalation checks) sees who applies.
      { user: opts.user, endOfTurn: opts.endOfTurn },
    );
  // Step 3: write. Apply creates what does not exist; a create that loses a race updates.
  for (let attempt = 0; ; attempt++) {
    try {
      return { object: await update(), created: false };
    } catch (e) {
      if (!(e instanceof NotFoundError) || attempt > 0) throw e;
    }
    if (precondition !== undefined) throw new NotFoundError(def.resource, name, def.group);
    await opts.mayCreate?.();
    try {
      const object = await createObject(core, def, ns, merge(def, undefined, applied, opts), {
        ...opts,
        fieldManager: undefined,
      });
      return { object, created: true };
    } catch (e) {
      if (!(e instanceof AlreadyExistsError)) throw e;
    }
  }
}
