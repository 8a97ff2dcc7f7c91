// Field selectors (`spec.nodeName=x,metadata.name!=y`). Only `=`, `==` and `!=`, ANDed, as
// apimachinery's fields package. Values may escape `\,` `\=` `\\`. Each resource supports a
// fixed set of fields (SUPPORTED_FIELDS); asking for another one is an error, as upstream.

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
}

export class FieldSelectorError extends Error {
  override name = 'FieldSelectorError';
}

const COMMON = ['metadata.name', 'metadata.namespace'];

/** Selectable fields per resource (plural), as kube-apiserver's *ToSelectableFields. */
export const SUPPORTED_FIELDS: Record<string, readonly string[]> = {
  pods: [
    ...COMMON,
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  nodes: [...COMMON, 'spec.unschedulable'],
  namespaces: [...COMMON, 'status.phase'],
  events: [
    ...COMMON,
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  secrets: [...COMMON, 'type'],
};

/** Fields every resource supports. */
export const COMMON_FIELDS: readonly string[] = COMMON;

// Values for absent fields, where upstream formats a zero value (FormatBool(false)).
const ZERO: Record<string, string> = { 'spec.unschedulable': 'false', 'spec.hostNetwork': 'false' };

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) {
      cur += s[i] + s[i + 1];
      i++;
    } else if (s[i] === sep) {
      out.push(cur);
      cur = '';
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}

function unescapeValue(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

export function parseFieldSelector(input: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  if (input.trim() === '') return { requirements: reqs };
  for (const term of splitUnescaped(input, ',')) {
    const t = term.trim();
    if (t === '') throw new FieldSelectorError(`invalid field selector "${input}": empty term`);
    const m = /^([^=!\s]+)\s*(==|!=|=)(.*)$/.exec(t);
    if (!m)
      throw new FieldSelectorError(
        `invalid field selector "${input}": "${t}" is not field=value or field!=value`,
      );
    reqs.push({ field: m[1], op: m[2] === '!=' ? '!=' : '=', value: unescapeValue(m[3].trim()) });
  }
  return { requirements: reqs };
}

/** Throws unless every field is supported for the resource (COMMON_FIELDS when not listed). */
export function checkSupportedFields(sel: FieldSelector, resource: string): void {
  const ok = SUPPORTED_FIELDS[resource] ?? COMMON_FIELDS;
  for (const r of sel.requirements) {
    if (!ok.includes(r.field))
      throw new FieldSelectorError(
        `field label not supported: ${r.field} (supported for ${resource}: ${ok.join(', ')})`,
      );
  }
}

/** The string value of a dotted path, '' when absent (ZERO defaults for booleans). */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') {
      cur = undefined;
      break;
    }
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur === undefined || cur === null) return ZERO[path] ?? '';
  if (path === 'source' && typeof cur === 'object') {
    return String((cur as Record<string, unknown>).component ?? '');
  }
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

export function matchesFields(sel: FieldSelector, obj: unknown): boolean {
  return sel.requirements.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === '='));
}
