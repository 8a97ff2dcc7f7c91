// The one registry of API errors. Each failure mode is a class; each renders as a Kubernetes
// Status object with the HTTP code and reason kubectl expects (apimachinery StatusReason).

import type { Status, StatusCause } from '../../shared/api/types.js';

export interface ErrorTarget {
  group?: string;
  kind?: string;
  name?: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly target: ErrorTarget = {},
    readonly causes: StatusCause[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  toStatus(): Status {
    const details: Status['details'] = {};
    if (this.target.name) details.name = this.target.name;
    if (this.target.group !== undefined) details.group = this.target.group;
    if (this.target.kind) details.kind = this.target.kind;
    if (this.causes.length) details.causes = this.causes;
    if (this.retryAfterSeconds !== undefined) details.retryAfterSeconds = this.retryAfterSeconds;
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(Object.keys(details).length ? { details } : {}),
      code: this.code,
    };
  }
}

/** 400 — the body or query cannot be understood at all. */
export class BadRequestError extends ApiError {
  constructor(message: string) {
    super(400, 'BadRequest', message);
  }
}

/** 404 — object or path not found. */
export class NotFoundError extends ApiError {
  constructor(resource: string, name: string, group = '') {
    super(404, 'NotFound', `${resource}${group ? `.${group}` : ''} "${name}" not found`, {
      group,
      kind: resource,
      name,
    });
  }
}

/** 404 for an unknown URL path. */
export class PathNotFoundError extends ApiError {
  constructor(path: string) {
    super(404, 'NotFound', `the server could not find the requested resource (path ${path})`);
  }
}

/** 409 AlreadyExists — create of an existing name. */
export class AlreadyExistsError extends ApiError {
  constructor(resource: string, name: string, group = '') {
    super(409, 'AlreadyExists', `${resource}${group ? `.${group}` : ''} "${name}" already exists`, {
      group,
      kind: resource,
      name,
    });
  }
}

/** 409 Conflict — stale resourceVersion on update (optimistic concurrency). */
export class ConflictError extends ApiError {
  constructor(
    resource: string,
    name: string,
    group = '',
    detail = 'the object has been modified; please apply your changes to the latest version and try again',
  ) {
    super(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${resource}${group ? `.${group}` : ''} "${name}": ${detail}`,
      {
        group,
        kind: resource,
        name,
      },
    );
  }
}

/**
 * 409 — server-side apply would change fields another manager owns (upstream's conflict
 * message: `Apply failed with N conflicts: conflict with "mgr" using v1: .data.key`).
 */
export class ApplyConflictError extends ApiError {
  constructor(conflicts: { manager: string; apiVersion?: string; field: string }[]) {
    const who = (c: { manager: string; apiVersion?: string }) =>
      `"${c.manager}"${c.apiVersion ? ` using ${c.apiVersion}` : ''}`;
    // One conflict on one line; several grouped by manager, a field per line (as upstream).
    const groups = new Map<string, string[]>();
    for (const c of conflicts) groups.set(who(c), [...(groups.get(who(c)) ?? []), c.field]);
    const text =
      conflicts.length === 1
        ? `Apply failed with 1 conflict: conflict with ${who(conflicts[0])}: ${conflicts[0].field}`
        : `Apply failed with ${conflicts.length} conflicts: ${[...groups]
            .map(([w, fields]) => `conflicts with ${w}:\n${fields.map((f) => `- ${f}\n`).join('')}`)
            .join('')}`;
    super(
      409,
      'Conflict',
      text,
      {},
      conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with "${c.manager}"${c.apiVersion ? ` using ${c.apiVersion}` : ''}`,
        field: c.field,
      })),
    );
  }
}

/** 422 Invalid — field validation failed; causes name each field. */
export class InvalidError extends ApiError {
  constructor(kind: string, name: string, causes: StatusCause[], group = '') {
    const list = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    super(422, 'Invalid', `${kind} "${name}" is invalid: ${list}`, { group, kind, name }, causes);
  }
}

/** 405 — verb not supported on this resource. */
export class MethodNotAllowedError extends ApiError {
  constructor(verb: string, resource: string) {
    super(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource (${verb} ${resource})`,
    );
  }
}

/** 405 — a create of a custom resource whose CRD is being deleted (upstream's crdHandler). */
export class CrdTerminatingError extends ApiError {
  constructor() {
    super(405, 'MethodNotAllowed', 'create not allowed while custom resource definition is terminating');
  }
}

/** 406 — the client accepts no media type this path can produce (upstream's NotAcceptable). */
export class NotAcceptableError extends ApiError {
  constructor(accepted: string) {
    super(406, 'NotAcceptable', `only the following media types are accepted: ${accepted}`);
  }
}

/** 410 Gone — watch or list from a compacted resourceVersion. */
export class GoneError extends ApiError {
  constructor(message: string) {
    super(410, 'Expired', message);
  }
}

/** 413 — request body over the 1.5 MiB limit (etcd's request limit). */
export class RequestEntityTooLargeError extends ApiError {
  constructor(limit: number) {
    super(413, 'RequestEntityTooLarge', `request body too large: the limit is ${limit} bytes`);
  }
}

/** 415 — content type not JSON/YAML or patch type not supported. */
export class UnsupportedMediaTypeError extends ApiError {
  constructor(
    type: string,
    accepted = 'application/json, application/yaml, application/merge-patch+json, application/strategic-merge-patch+json, application/json-patch+json',
  ) {
    super(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format: ${type}; accepted: ${accepted}`,
    );
  }
}

/** 401 — no credential, or one that is not accepted; `why` is for the hub's log, never the client. */
export class UnauthorizedError extends ApiError {
  constructor(
    message = 'Unauthorized',
    readonly why: string[] = [],
  ) {
    super(401, 'Unauthorized', message);
  }
}

/** 403 — authenticated, but not allowed (RBAC, the node authorizer, or a protected object). */
export class ForbiddenError extends ApiError {
  constructor(message: string, target: ErrorTarget = {}) {
    super(403, 'Forbidden', message, target);
  }
}

/**
 * 403 — a Role or binding would grant permissions its author does not hold and may not grant
 * (kube-apiserver's RBAC escalation prevention; details name the resource, as its NewForbidden).
 */
export class RbacEscalationError extends ForbiddenError {
  constructor(group: string, resource: string, name: string, detail: string) {
    super(`${resource}.${group} "${name}" is forbidden: ${detail}`, { group, kind: resource, name });
  }
}

/** 429 — server busy (e.g. too many watches). */
export class TooManyRequestsError extends ApiError {
  constructor(message: string, retryAfterSeconds = 1) {
    super(429, 'TooManyRequests', message, {}, [], retryAfterSeconds);
  }
}

/** 429 — an eviction that a PodDisruptionBudget does not allow now (kubectl drain retries it). */
export class DisruptionBudgetError extends ApiError {
  constructor(budget: string, detail: string) {
    super(
      429,
      'TooManyRequests',
      "Cannot evict pod as it would violate the pod's disruption budget.",
      {},
      [{ reason: 'DisruptionBudget', message: `The disruption budget ${budget} ${detail}` }],
      5,
    );
  }
}

/** 501 — a path that exists but is not served yet (e.g. pods/log before its handler is registered). */
export class NotImplementedError extends ApiError {
  constructor(message: string) {
    super(501, 'NotImplemented', message);
  }
}

/** 500 — an unexpected failure; the message says what failed. */
export class InternalError extends ApiError {
  constructor(message: string) {
    super(500, 'InternalError', `Internal error occurred: ${message}`);
  }
}

/** 503 — not ready (store unavailable). */
export class ServiceUnavailableError extends ApiError {
  constructor(message: string) {
    super(503, 'ServiceUnavailable', message);
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.code === 404;
}

export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.reason === 'Conflict';
}

export function isAlreadyExists(e: unknown): boolean {
  return e instanceof ApiError && e.reason === 'AlreadyExists';
}
