// Parses list/watch selectors into matchers; bad selectors are 400s naming the problem.

import { checkSupportedFields, matchesFields, parseFieldSelector } from '../../../shared/api/fields.js';
import { matches, parseSelector } from '../../../shared/api/labels.js';
import type { KubeObject } from '../../../shared/api/types.js';
import { BadRequestError } from '../errors.js';
import type { ResourceDef } from '../resource.js';

export type ObjectFilter = (o: KubeObject) => boolean;

export function objectFilter(def: ResourceDef, labelSelector?: string, fieldSelector?: string): ObjectFilter {
  try {
    const ls = parseSelector(labelSelector ?? '');
    const fs = parseFieldSelector(fieldSelector ?? '');
    checkSupportedFields(fs, def.resource);
    if (ls.requirements.length === 0 && fs.requirements.length === 0) return () => true;
    return (o) => matches(ls, o.metadata?.labels) && matchesFields(fs, o);
  } catch (e) {
    throw new BadRequestError(e instanceof Error ? e.message : String(e));
  }
}
