// All resource kinds the API serves. Adding a kind = a file under resources/ plus a line here.

import type { KubeObject } from '../../shared/api/types.js';
import type { ResourceDef } from './resource.js';
import { compareVersionPriority } from './version-priority.js';
import { configmaps } from './resources/configmaps.js';
import { customresourcedefinitions } from './resources/customresourcedefinitions.js';
import { controllerrevisions } from './resources/controllerrevisions.js';
import { cronjobs } from './resources/cronjobs.js';
import { jobs } from './resources/jobs.js';
import { ingresses } from './resources/ingresses.js';
import { horizontalpodautoscalers } from './resources/horizontalpodautoscalers.js';
import { horizontalpodautoscalersV1 } from './resources/horizontalpodautoscalers-v1.js';
import { daemonsets } from './resources/daemonsets.js';
import { deployments } from './resources/deployments.js';
import { endpoints } from './resources/endpoints.js';
import { endpointslices } from './resources/endpointslices.js';
import { events } from './resources/events.js';
import { leases } from './resources/leases.js';
import { namespaces } from './resources/namespaces.js';
import { nodes } from './resources/nodes.js';
import { poddisruptionbudgets } from './resources/poddisruptionbudgets.js';
import { pods } from './resources/pods.js';
import { persistentvolumeclaims } from './resources/persistentvolumeclaims.js';
import { persistentvolumes } from './resources/persistentvolumes.js';
import { replicasets } from './resources/replicasets.js';
import { replicationcontrollers } from './resources/replicationcontrollers.js';
import { rollouts } from './resources/rollouts.js';
import { secrets } from './resources/secrets.js';
import { statefulsets } from './resources/statefulsets.js';
import { services } from './resources/services.js';
import { serviceaccounts } from './resources/serviceaccounts.js';
import { clusterrolebindings, clusterroles, rolebindings, roles } from './resources/rbac.js';
import { selfsubjectaccessreviews } from './resources/selfsubjectaccessreviews.js';
import { selfsubjectreviews } from './resources/selfsubjectreviews.js';
import { localsubjectaccessreviews, subjectaccessreviews } from './resources/subjectaccessreviews.js';

export class Registry {
  private byPath = new Map<string, ResourceDef>();
  private byResource = new Map<string, ResourceDef>();
  /** Bumped on every add and remove: what is derived from the kinds (OpenAPI) rebuilds on change. */
  generation = 0;

  constructor(defs: ResourceDef[]) {
    for (const d of defs) this.add(d);
  }

  add<T extends KubeObject>(def: ResourceDef<T>): void {
    const d = def as unknown as ResourceDef;
    this.byPath.set(`${d.group}/${d.version}/${d.resource}`, d);
    // By plural alone the first kind wins: metrics.k8s.io's pods and nodes never shadow core's.
    if (!this.byResource.has(d.resource)) this.byResource.set(d.resource, d);
    this.generation++;
  }

  /** Stops serving def (a custom resource whose CRD changed or went). */
  remove(def: ResourceDef): void {
    const key = `${def.group}/${def.version}/${def.resource}`;
    if (this.byPath.get(key) !== def) return;
    this.byPath.delete(key);
    if (this.byResource.get(def.resource) === def) {
      this.byResource.delete(def.resource);
      const next = this.all().find((d) => d.resource === def.resource);
      if (next) this.byResource.set(def.resource, next);
    }
    this.generation++;
  }

  /** By URL coordinates (group '' = core). */
  lookup(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
  }

  /** By plural name alone, as ApiClient callers name resources ('pods', 'deployments'). */
  byName(resource: string): ResourceDef | undefined {
    return this.byResource.get(resource);
  }

  all(): ResourceDef[] {
    return [...this.byPath.values()];
  }

  /** group -> versions served (highest priority first: the preferred one), core ('') first. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const d of this.all()) {
      const vs = out.get(d.group) ?? [];
      if (!vs.includes(d.version)) vs.push(d.version);
      out.set(d.group, vs);
    }
    for (const vs of out.values()) vs.sort(compareVersionPriority);
    return out;
  }
}

export function defaultResources(): ResourceDef[] {
  return [
    namespaces,
    nodes,
    pods,
    configmaps,
    secrets,
    persistentvolumes,
    persistentvolumeclaims,
    serviceaccounts,
    roles,
    clusterroles,
    rolebindings,
    clusterrolebindings,
    selfsubjectaccessreviews,
    subjectaccessreviews,
    localsubjectaccessreviews,
    selfsubjectreviews,
    events,
    leases,
    deployments,
    replicasets,
    daemonsets,
    statefulsets,
    replicationcontrollers,
    controllerrevisions,
    poddisruptionbudgets,
    jobs,
    cronjobs,
    // v2 first: the storage version, kubectl's preferred one and the one ApiClient callers get.
    horizontalpodautoscalers,
    horizontalpodautoscalersV1,
    services,
    endpoints,
    endpointslices,
    ingresses,
    rollouts,
    customresourcedefinitions,
  ] as unknown as ResourceDef[];
}

export function createRegistry(): Registry {
  return new Registry(defaultResources());
}
