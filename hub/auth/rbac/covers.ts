// Does one set of rules cover another? (pkg/registry/rbac/validation: Covers, BreakdownRule,
// ruleCovers, CompactRules.) Each rule asked for is broken into atoms (one group, one resource,
// one verb, one name or URL); every atom must be covered by one rule held. A `*` covers
// everything only on the holder's side: asking for `*` needs `*` (no wildcard expansion), so a
// namespace admin cannot grant `*` on `*` by holding every verb it can name.

import type { PolicyRule } from '../../../shared/api/rbac.js';

const ALL = '*';

const hasAll = (set: string[] | undefined, want: string[] | undefined) =>
  (want ?? []).every((w) => (set ?? []).includes(w));

const hasOrAll = (set: string[] | undefined, want: string[] | undefined) =>
  (set ?? []).includes(ALL) || hasAll(set, want);

// resourceCoversAll: exact, `*`, or `*/sub` for a subresource `res/sub`.
function resourcesCovered(held: string[] | undefined, want: string[] | undefined): boolean {
  if (hasOrAll(held, want)) return true;
  return (want ?? []).every((path) => {
    if ((held ?? []).includes(path)) return true;
    const slash = path.indexOf('/');
    return slash >= 0 && (held ?? []).includes(`*/${path.slice(slash + 1)}`);
  });
}

/** nonResourceURLsCoversAll: exact, `*`, or a held `prefix*`. */
function urlsCovered(held: string[] | undefined, want: string[] | undefined): boolean {
  return (want ?? []).every((u) =>
    (held ?? []).some((h) => h === ALL || h === u || (h.endsWith(ALL) && u.startsWith(h.slice(0, -1)))),
  );
}

function ruleCovers(held: PolicyRule, atom: PolicyRule): boolean {
  if (!hasOrAll(held.verbs, atom.verbs)) return false;
  if (atom.nonResourceURLs?.length) return urlsCovered(held.nonResourceURLs, atom.nonResourceURLs);
  if (!hasOrAll(held.apiGroups, atom.apiGroups)) return false;
  if (!resourcesCovered(held.resources, atom.resources)) return false;
  // A holder limited to names covers only those names; an unlimited holder covers any.
  if (!held.resourceNames?.length) return true;
  return !!atom.resourceNames?.length && hasAll(held.resourceNames, atom.resourceNames);
}

/** BreakdownRule: one atom per group x resource x name x verb, or per URL x verb. */
export function breakdown(rule: PolicyRule): PolicyRule[] {
  const atoms: PolicyRule[] = [];
  for (const verb of rule.verbs ?? []) {
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? []) {
        const names = rule.resourceNames?.length ? rule.resourceNames : [undefined];
        for (const name of names)
          atoms.push({
            apiGroups: [group],
            resources: [resource],
            verbs: [verb],
            ...(name !== undefined ? { resourceNames: [name] } : {}),
          });
      }
    for (const url of rule.nonResourceURLs ?? []) atoms.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return atoms;
}

/** The atoms of wanted that no rule of held covers (empty: held covers wanted). */
export function uncovered(held: PolicyRule[], wanted: PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdown).filter((atom) => !held.some((h) => ruleCovers(h, atom)));
}

/** CompactRules: atoms that differ only in verb become one rule with their verbs. */
export function compact(atoms: PolicyRule[]): PolicyRule[] {
  const byTarget = new Map<string, PolicyRule>();
  for (const a of atoms) {
    const key = JSON.stringify([a.apiGroups, a.resources, a.resourceNames, a.nonResourceURLs]);
    const have = byTarget.get(key);
    if (have) {
      if (!have.verbs.includes(a.verbs[0] ?? '')) have.verbs.push(...a.verbs);
    } else byTarget.set(key, { ...a, verbs: [...a.verbs] });
  }
  return [...byTarget.values()];
}

/** Go's %q of a string slice: ["a" "b"]. */
export const goQuoted = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

/** PolicyRule.CompactString, e.g. {APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  const add = (label: string, xs: string[] | undefined) => {
    if (xs?.length) parts.push(`${label}:${goQuoted(xs)}`);
  };
  add('APIGroups', r.apiGroups);
  add('Resources', r.resources);
  add('NonResourceURLs', r.nonResourceURLs);
  add('ResourceNames', r.resourceNames);
  add('Verbs', r.verbs);
  return `{${parts.join(', ')}}`;
}
