// ApiCore: the one validation/admission path. The HTTP server and the in-process client both
// call it, so a controller's write is checked exactly like kubectl's. Verbs live in ops/.
// Authorization happens here too (authorize()): every HTTP route and every in-process call asks
// it with the request's user before it reads or writes anything.

import { parseServiceRanges, type ServiceRanges } from './allocation/ranges.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../shared/log.js';
import type { KubeObject } from '../../shared/api/types.js';
import type { Store } from '../store/store.js';
import type { PatchType } from './client.js';
import { PathNotFoundError } from './errors.js';
import type { Registry } from './registry.js';
import type { ResourceDef } from './resource.js';
import { SharedObjects } from './shared-objects.js';
import type { Counter, Gauge } from '../metrics.js';
import type { Attributes, Authorize } from '../auth/authz.js';
import type { UserInfo } from '../auth/user.js';
import type { AuditEntry } from '../audit/log.js';
import type { NamespaceLifecycle } from './namespace-lifecycle.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface RequestOptions {
  /** Unknown fields: Strict (default) refuses, Warn drops and warns, Ignore drops. */
  fieldValidation?: FieldValidation;
  /** Collects warnings (sent as `Warning: 299 - "..."` headers over HTTP). */
  warnings?: string[];
  /** dryRun=All: the core's store writes nothing (see dry-run.ts); set with it for the answer's shape. */
  dryRun?: boolean;
  /** Who writes: write admission (e.g. RBAC escalation prevention) decides with it. */
  user?: UserInfo;
  /**
   * Who makes the write (the fieldManager query parameter, or the client's user-agent prefix):
   * it owns the fields it sets in metadata.managedFields. Unset for in-process writes.
   */
  fieldManager?: string;
  /**
   * Commit with the other writes of this event-loop turn (the HTTP server's requests: the
   * requests that arrived together share one fsync), not at the next microtask checkpoint.
   */
  endOfTurn?: boolean;
}

/** What a write admission check sees: the object as it would be stored, the one it replaces. */
export interface WriteRequest {
  core: ApiCore;
  def: ResourceDef;
  obj: KubeObject;
  /** Set on update (PUT and PATCH). */
  old?: KubeObject;
  /** undefined for internal writes that carry no user (a check on a kind that needs one refuses). */
  user?: UserInfo;
}

/**
 * Checks a create or update after defaults and validation, before the store (where
 * kube-apiserver's policy-based RBAC storage checks escalation). Throw an ApiError to refuse.
 */
export type WriteAdmission = (w: WriteRequest) => Promise<void>;

export interface SubresourceContext {
  core: ApiCore;
  def: ResourceDef;
  /** HTTP method: GET, POST, PUT, PATCH, DELETE. */
  method: string;
  namespace: string | undefined;
  name: string;
  subresource: string;
  query: URLSearchParams;
  /** Decoded JSON/YAML body for POST/PUT; undefined for GET. */
  body?: unknown;
  /** Decoded PATCH body and its patch type (over HTTP). */
  patch?: { type: PatchType; patch: unknown };
  /** Who asks (already authorized for this subresource). */
  user?: UserInfo;
  /** Present over HTTP only: a handler may stream its own response (e.g. logs) on res. */
  req?: IncomingMessage;
  res?: ServerResponse;
}

/**
 * Serves one subresource. Return an object to send it as JSON (201 for POST, else 200), or
 * write to ctx.res yourself (then the server sends nothing more). Throw an ApiError to fail.
 */
export type SubresourceHandler = (ctx: SubresourceContext) => Promise<unknown>;

/** Before an authorizer is set (and on loopback test servers) everyone may do everything. */
const allowAll: Authorize = async () => {};

export class ApiCore {
  readonly subresourceHandlers = new Map<string, SubresourceHandler>();
  private readonly writeAdmission = new Map<string, WriteAdmission>();
  private authorizer: Authorize = allowAll;
  /** Where Services draw ClusterIPs and NodePorts from (the hub's options). */
  serviceRanges: ServiceRanges = parseServiceRanges();
  /** The audit sink for in-process requests (hub/audit/in-process.ts says which are recorded). */
  audit?: (e: AuditEntry) => void;
  /** Namespaces known to take new objects (from a store watch); unset: read the store each time. */
  namespaces?: NamespaceLifecycle;
  /** Stored objects decoded once for every watcher and reader (shared-objects.ts). */
  readonly objects = new SharedObjects();

  constructor(
    readonly store: Store,
    readonly registry: Registry,
    readonly log: Logger,
    readonly watchers?: Gauge,
    /** Counts every LIST by resource (a controller that reads its informer lists none). */
    readonly lists?: Counter,
  ) {}

  /** The kind for an ApiClient resource name ('pods'), or 404. */
  resolve(resource: string): ResourceDef {
    const def = this.registry.byName(resource);
    if (!def) throw new PathNotFoundError(`resource ${resource}`);
    return def;
  }

  registerSubresourceHandler(resource: string, subresource: string, fn: SubresourceHandler): void {
    this.subresourceHandlers.set(`${resource}/${subresource}`, fn);
  }

  subresourceHandler(resource: string, subresource: string): SubresourceHandler | undefined {
    return this.subresourceHandlers.get(`${resource}/${subresource}`);
  }

  /** Runs fn on every create and update of resource, HTTP and in-process, dry-run included. */
  registerWriteAdmission(resource: string, fn: WriteAdmission): void {
    this.writeAdmission.set(resource, fn);
  }

  async admitWrite(w: WriteRequest): Promise<void> {
    await this.writeAdmission.get(w.def.resource)?.(w);
  }

  setAuthorizer(fn: Authorize): void {
    this.authorizer = fn;
  }

  /** The one admission point: resolves when user may do attrs, else throws ForbiddenError (403). */
  authorize(user: UserInfo, attrs: Attributes): Promise<void> {
    return this.authorizer(user, attrs);
  }

  /** authorize() as a yes/no (SelfSubjectAccessReview). */
  async allowed(user: UserInfo, attrs: Attributes): Promise<boolean> {
    try {
      await this.authorizer(user, attrs);
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === 403) return false;
      throw e;
    }
  }

  /** The attributes of a verb on a kind (HTTP handler and in-process client build them the same way). */
  static attributes(
    def: ResourceDef,
    verb: string,
    namespace: string | undefined,
    name?: string,
    subresource?: string,
    fieldSelector?: string,
  ): Attributes {
    return {
      kind: 'resource',
      verb,
      group: def.group,
      resource: def.resource,
      ...(subresource ? { subresource } : {}),
      ...(def.namespaced && namespace ? { namespace } : {}),
      ...(name ? { name } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
    };
  }
}

export type { KubeObject };
