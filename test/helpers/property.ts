// fast-check runs that can be replayed. Every property takes its seed from FC_SEED when set,
// and FC_PATH replays a shrunk counterexample at once; otherwise a fresh seed. A failure says
// both in its message, so a case that failed once (in CI, at load) can be run again here:
//   FC_SEED=<seed> FC_PATH=<path> node scripts/test.mjs --no-env <file>
// fast-check's own report (the counterexample, the property's error) follows.

import fc from 'fast-check';

export class PropertyFailedError extends Error {
  override name = 'PropertyFailedError';
  constructor(
    readonly seed: number,
    readonly path: string | null,
    report: string,
  ) {
    super(`property failed; replay with FC_SEED=${seed}${path ? ` FC_PATH=${path}` : ''}\n${report}`);
  }
}

function seedFromEnv(): number | undefined {
  const s = process.env.FC_SEED;
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  if (!Number.isInteger(n)) throw new RangeError(`FC_SEED must be an integer, got ${JSON.stringify(s)}`);
  return n;
}

/** The seed of this process's properties: FC_SEED, else a fresh one (fast-check's own recipe). */
export const PROPERTY_SEED = seedFromEnv() ?? (Date.now() ^ (Math.random() * 0x100000000)) | 0;

/** fc.assert with the seed above (params may add numRuns, endOnFailure...); throws PropertyFailedError. */
export async function assertProperty<Ts>(
  property: fc.IRawProperty<Ts>,
  params: fc.Parameters<Ts> = {},
): Promise<void> {
  const path = process.env.FC_PATH;
  const out = await fc.check(property, { seed: PROPERTY_SEED, ...(path ? { path } : {}), ...params });
  if (!out.failed) return;
  const report = (await fc.asyncDefaultReportMessage(out)) ?? 'no report';
  throw new PropertyFailedError(out.seed, out.counterexamplePath, report);
}
