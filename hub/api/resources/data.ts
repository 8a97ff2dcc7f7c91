// Checks shared by ConfigMap and Secret data maps.

import type { StatusCause } from '../../../shared/api/types.js';
import { isConfigMapKey } from '../../../shared/api/validation.js';
import { cause } from '../meta.js';

/** Total size of one ConfigMap/Secret's data (bytes), as upstream. */
export const MAX_DATA_BYTES = 1024 * 1024;

export function checkDataKeys(field: string, data: Record<string, string> | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  for (const k of Object.keys(data ?? {}))
    for (const msg of isConfigMapKey(k)) out.push(cause(`${field}[${k}]`, `Invalid value: "${k}": ${msg}`));
  return out;
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function checkBase64(field: string, data: Record<string, string> | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(data ?? {}))
    if (!B64.test(v))
      out.push(
        cause(
          `${field}[${k}]`,
          `Invalid value: the value must be base64 encoded (e.g. echo -n 'text' | base64)`,
        ),
      );
  return out;
}
