// Parses list/watch selectors into matchers; bad selectors are 400s naming the problem.

import { checkSupportedFields, matchesFields, parseFieldSelector } from '../../../shared/api/fields.js';
import { matches, parseSelector } from '../../../shared/api/labels.js';
import type { KubeObject } from '../../../shared/api/types.js';
import { BadRequestError } from '../errors.js';
import type { ResourceDef } from '../resource.js';

export type ObjectFilter = (o: KubeObject) => boolean;

/** The filter of a list or watch without selectors: a watch need not decode the previous value for it. */
export const MATCH_ALL: ObjectFilter = () => true;

export function objectFilter(def: ResourceDef, labelSelector?: string, fieldSelector?: string): ObjectFilter {
  try {
    const ls = parseSelector(labelSelector ?? '');
    const fs = parseFieldSelector(fieldSelector ?? '');
    checkSupportedFields(fs, def.resource);
    if (ls.requirements.length === 0 && fs.requirements.length === 0) return MATCH_ALL;
    return (o) => matches(ls, o.metadata?.labels) && matchesFields(fs, o);
  } catch (e) {
    throw new BadRequestError(e instanceof Error ? e.message : String(e));
  }
}
