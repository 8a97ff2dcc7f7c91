// What one kind declares: its REST identity, strict schema, defaults, validation, printing
// and hooks. Each kind is one file under resources/ exporting a ResourceDef; registry.ts
// lists them. A new kind (apps/v1 Deployment, ...) is a new file plus one registry line.

import type { StatusCause, KubeObject } from '../../shared/api/types.js';
import type { Schema } from './schema.js';
import type { TableDef } from './table.js';
import type { ApiCore, SubresourceHandler } from './core.js';
import type { UserInfo } from '../auth/user.js';
import type { JSONSchemaProps } from '../../shared/api/crd.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export const ALL_VERBS: Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export interface ResourceDef<T extends KubeObject = KubeObject> {
  group: string; // '' = core (legacy /api/v1)
  version: string;
  /** Plural, lower case: the URL segment and the store key segment. */
  resource: string;
  kind: string;
  singular: string;
  shortNames?: string[];
  categories?: string[];
  namespaced: boolean;
  verbs: Verb[];
  /**
   * Subresources served by the generic code: 'status' (PUT/PATCH replace only .status; the
   * main resource then ignores .status) and names with a `handlers` entry (e.g. binding).
   */
  subresources: string[];
  schema: Schema;
  table?: TableDef<T>;
  /** Fills defaults in place (create and update). */
  defaults?(obj: T): void;
  /** Field errors (422). old is set on update. */
  validate?(obj: T, old?: T): StatusCause[];
  /** Create-time preparation after defaults, e.g. reset status. */
  prepareCreate?(obj: T): void;
  /** Create-time mutating admission that reads other objects (after prepareCreate). */
  admitCreate?(obj: T, core: ApiCore): Promise<void>;
  /** Update-time preparation; e.g. stringData merge. */
  prepareUpdate?(obj: T, old: T): void;
  /**
   * Graceful deletion: seconds to wait (> 0) before the object is removed, or 0/undefined to
   * remove at once. Pods bound to a node wait for the agent to confirm.
   */
  gracePeriodSeconds?(obj: T, requested: number | undefined): number | undefined;
  /**
   * Claims what the object holds outside its own key (a Service's ClusterIP and NodePorts)
   * just before it is written, filling in what it allocates; throws a 422 on a clash. Returns
   * the undo for a write that then fails.
   */
  claim?(core: ApiCore, obj: T, old?: T): Promise<() => Promise<void>>;
  /** After a write: releases what obj held and next no longer holds (no next = obj was deleted). */
  release?(core: ApiCore, obj: T, next?: T): Promise<void>;
  /**
   * A read-only kind served from memory, not the store (metrics.k8s.io): get (name set) and
   * list answer from this; throws NotFoundError for an unknown name.
   */
  serve?(ctx: { namespace?: string; name?: string; labelSelector?: string }): Promise<KubeObject>;
  /**
   * Another served version of a stored kind (autoscaling/v1 of the v2 HorizontalPodAutoscaler):
   * requests are converted to the storage version's def and answers back, as kube-apiserver
   * converts to its storage version. current is the stored object an update replaces, so what
   * this version cannot express is kept.
   */
  convert?: {
    storage: ResourceDef;
    toStorage(obj: KubeObject, current?: KubeObject): KubeObject;
    fromStorage(obj: KubeObject): KubeObject;
  };
  /** A review kind (SelfSubjectAccessReview): create answers from this and stores nothing. */
  review?(
    body: KubeObject,
    ctx: { core: ApiCore; user: UserInfo; namespace: string | undefined },
  ): Promise<KubeObject>;
  /** Subresources this kind serves itself (a custom resource's scale); else the core's by resource name. */
  subresourceHandlers?: Record<string, SubresourceHandler>;
  /** Set for a custom resource: one served version of a CustomResourceDefinition (crd/). */
  custom?: CustomResource;
}

/** What the generic verbs need to know of a custom resource beyond a built-in kind's fields. */
export interface CustomResource {
  /** The CRD's name (`<plural>.<group>`). */
  crd: string;
  /**
   * Store segment every version shares, `<group>/<plural>` (kube-apiserver keeps custom
   * objects under /registry/<group>/<plural>): versions are views of the same objects.
   */
  storagePath: string;
  /** The version's openAPIV3Schema, published in /openapi/v3. */
  openApi: JSONSchemaProps;
  /** Drops the fields the schema does not specify, in place; returns their paths (pruning). */
  prune(obj: Record<string, unknown>): string[];
  /** Set while the CRD is being deleted: no new objects (its objects are being removed). */
  terminating: boolean;
}

export function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

export function groupResource(def: ResourceDef): string {
  return def.group ? `${def.resource}.${def.group}` : def.resource;
}
