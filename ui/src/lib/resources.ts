// Capacity vs allocated for a board, as `kubectl describe node` computes "Allocated resources":
// the sum of the requests of the pods bound to it that have not finished.

import { parseQuantity } from '../../../shared/api/quantity.js';
import type { Node, Pod } from '../../../shared/api/types.js';

export interface Allocation {
  resource: 'cpu' | 'memory' | 'pods';
  allocatable: number;
  requested: number;
}

/** A quantity as a number (0 when absent or unreadable). */
export function quantity(v: string | number | undefined): number {
  if (v === undefined) return 0;
  try {
    return parseQuantity(v);
  } catch {
    return 0;
  }
}

export function isActive(p: Pod): boolean {
  return p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

export function allocation(node: Node, pods: Pod[]): Allocation[] {
  const active = pods.filter(isActive);
  let cpu = 0;
  let mem = 0;
  for (const p of active)
    for (const c of p.spec.containers) {
      cpu += quantity(c.resources?.requests?.cpu);
      mem += quantity(c.resources?.requests?.memory);
    }
  const a = node.status?.allocatable ?? {};
  return [
    { resource: 'cpu', allocatable: quantity(a.cpu), requested: cpu },
    { resource: 'memory', allocatable: quantity(a.memory), requested: mem },
    { resource: 'pods', allocatable: quantity(a.pods), requested: active.length },
  ];
}

export function formatAmount(resource: Allocation['resource'], v: number): string {
  if (v === 0) return '0';
  if (resource === 'cpu') return v < 1 ? `${Math.round(v * 1000)}m` : `${+v.toFixed(2)}`;
  if (resource === 'memory') {
    const units = ['', 'Ki', 'Mi', 'Gi', 'Ti'];
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return `${+v.toFixed(1)}${units[i]}`;
  }
  return String(v);
}
