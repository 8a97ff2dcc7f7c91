// Kubernetes quantities (resource.Quantity): `250m`, `1.5`, `256Mi`, `1e3`, `500k`.
// Parsed to a JS number; cpu rounds up to whole millicores and bytes up to whole bytes,
// as Quantity.MilliValue()/Value() do.

export class QuantityError extends Error {
  override name = 'QuantityError';
  constructor(readonly input: string) {
    super(
      `quantity "${input}" is invalid: must match the regular expression ^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$ (e.g. 250m, 1.5, 256Mi, 1Gi)`,
    );
  }
}

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

/** The quantity's value as a number (e.g. `250m` -> 0.25, `1Ki` -> 1024). */
export function parseQuantity(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new QuantityError(String(input));
    return input;
  }
  const m = RE.exec(input);
  if (!m) throw new QuantityError(input);
  const mantissa = Number(m[1] + m[2]);
  const mult = m[3] !== undefined ? 10 ** Number(m[3].slice(1)) : SUFFIX[m[4] ?? ''];
  const v = mantissa * mult;
  if (!Number.isFinite(v)) throw new QuantityError(input);
  return v;
}

export function isValidQuantity(input: unknown): boolean {
  if (typeof input !== 'string' && typeof input !== 'number') return false;
  try {
    parseQuantity(input);
    return true;
  } catch {
    return false;
  }
}

/** CPU in millicores, rounded up (`250m` -> 250, `1.5` -> 1500, `0.0001` -> 1). */
export function parseCpuMillis(input: string | number): number {
  // Round to 6 decimals first so float noise (0.1*1000) does not round up a whole millicore.
  return Math.ceil(Number((parseQuantity(input) * 1000).toFixed(6)));
}

/** Bytes, rounded up (`256Mi` -> 268435456, `1.5Gi` -> 1610612736, `1M` -> 1000000). */
export function parseBytes(input: string | number): number {
  return Math.ceil(Number(parseQuantity(input).toFixed(6)));
}

/** Millicores as Kubernetes writes them: `2` for 2000, `250m` for 250. */
export function formatCpuMillis(millis: number): string {
  const m = Math.round(millis);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

/** Bytes with the largest binary suffix that divides them exactly: `256Mi`, `1Gi`, `1000`. */
export function formatBytes(bytes: number): string {
  let b = Math.round(bytes);
  if (b === 0) return '0';
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  let i = 0;
  while (i < units.length - 1 && b % 1024 === 0) {
    b /= 1024;
    i++;
  }
  return `${b}${units[i]}`;
}
