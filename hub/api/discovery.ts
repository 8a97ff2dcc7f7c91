// Discovery documents (legacy, unaggregated): /api, /apis, /api/v1, /apis/{g}, /apis/{g}/{v}.
// kubectl 1.32 asks for aggregated discovery (as=APIGroupDiscoveryList) first; answering
// with Content-Type application/json and the legacy documents makes it fall back.

import type { Registry } from './registry.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-drover',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'node',
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch}`,
};

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(name: string, versions: string[]): unknown {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(reg: Registry): unknown {
  const groups = [...reg.groups()].filter(([g]) => g !== '').map(([g, vs]) => groupDoc(g, vs));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(reg: Registry, group: string): unknown | undefined {
  const vs = reg.groups().get(group);
  if (!vs || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...(groupDoc(group, vs) as object) };
}

export function apiResourceList(reg: Registry, group: string, version: string): unknown | undefined {
  const defs = reg.all().filter((d) => d.group === group && d.version === version);
  if (defs.length === 0) return undefined;
  const resources: unknown[] = [];
  for (const d of defs) {
    resources.push({
      name: d.resource,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      // Every kind that deletes one by one deletes a collection too (deletecollection).
      verbs: d.verbs.includes('delete') ? [...d.verbs, 'deletecollection'].sort() : d.verbs,
      ...(d.shortNames ? { shortNames: d.shortNames } : {}),
      ...(d.categories ? { categories: d.categories } : {}),
    });
    for (const s of d.subresources) {
      const sub =
        s === 'status'
          ? { kind: d.kind, verbs: ['get', 'patch', 'update'] }
          : s === 'binding'
            ? { kind: 'Binding', verbs: ['create'] }
            : s === 'eviction'
              ? { kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] }
              : s === 'scale'
                ? { kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] }
                : s === 'exec'
                  ? { kind: 'PodExecOptions', verbs: ['create', 'get'] }
                  : s === 'portforward'
                    ? { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] }
                    : { kind: s === 'log' ? d.kind : d.kind, verbs: ['get'] };
      resources.push({ name: `${d.resource}/${s}`, singularName: '', namespaced: d.namespaced, ...sub });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}
