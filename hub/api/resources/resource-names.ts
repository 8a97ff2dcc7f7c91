// Resource names in capacity/allocatable/requests, as apimachinery's core validation words
// them: a standard name (cpu, memory, pods, ephemeral-storage, hugepages-<size>) or an
// extended resource, a qualified name with a domain prefix (`example.com/gpu`) outside
// kubernetes.io (validateNodeResourceName, IsExtendedResourceName).

import { isValidQuantity } from '../../../shared/api/quantity.js';
import { isQualifiedName } from '../../../shared/api/validation.js';

const STANDARD = new Set(['cpu', 'memory', 'pods', 'ephemeral-storage', 'storage']);
const HUGEPAGES = 'hugepages-';
/** Counted in whole units (IsIntegerResourceName): pods and every extended resource. */
const INTEGER_STANDARD = new Set(['pods']);

function isExtended(name: string): boolean {
  const slash = name.indexOf('/');
  if (slash < 0) return false;
  const domain = name.slice(0, slash);
  return !(domain === 'kubernetes.io' || domain.endsWith('.kubernetes.io') || domain.startsWith('requests.'));
}

/** Messages for an invalid resource name (empty = valid). */
export function resourceNameErrors(name: string): string[] {
  if (STANDARD.has(name)) return [];
  if (name.startsWith(HUGEPAGES))
    return isValidQuantity(name.slice(HUGEPAGES.length))
      ? []
      : ['hugepages size must be a quantity (hugepages-2Mi)'];
  if (!name.includes('/'))
    return [
      'must be a standard resource name (cpu, memory, pods, ephemeral-storage, hugepages-<size>) or a fully qualified extended resource name (example.com/device)',
    ];
  const errs = isQualifiedName(name);
  if (errs.length) return errs;
  return isExtended(name)
    ? []
    : ['must be a standard resource name or an extended resource outside kubernetes.io'];
}

/** Whether quantities of this resource must be whole numbers. */
export function isIntegerResource(name: string): boolean {
  return INTEGER_STANDARD.has(name) || isExtended(name);
}
