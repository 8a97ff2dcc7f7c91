// Does one PolicyRule allow a request? (k8s.io/kubernetes/pkg/apis/rbac/v1 evaluation helpers:
// VerbMatches, APIGroupMatches, ResourceMatches with `resource/subresource`, `*/subresource` and
// `resource/*`, ResourceNameMatches, NonResourceURLMatches with a trailing `*` as prefix.)

import type { PolicyRule } from '../../../shared/api/rbac.js';
import type { Attributes } from '../authz.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

const ALL = '*';

const has = (list: string[] | undefined, v: string) => !!list && (list.includes(ALL) || list.includes(v));

function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const rs = rule.resources ?? [];
  if (rs.includes(ALL)) return true;
  if (!subresource) return rs.includes(resource);
  const combined = `${resource}/${subresource}`;
  return rs.includes(combined) || rs.includes(`*/${subresource}`) || rs.includes(`${resource}/*`);
}

function urlMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (a.kind === 'nonResource') return urlMatches(rule, a.path);
  if (!has(rule.apiGroups, a.group)) return false;
  if (!resourceMatches(rule, a.resource, a.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}
