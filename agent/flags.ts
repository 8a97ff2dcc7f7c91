// A small command-line flag parser shared by the agent and the CLI (no dependency, Node 18 safe).
// Accepts `--name value`, `--name=value`, short aliases (`-n value`) and boolean switches.

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** Other spellings, with their dashes: `-n`, `--hub-url`. */
  aliases?: string[];
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface ParsedFlags {
  /** Keyed by the flag's main name (without dashes). */
  values: Record<string, string | boolean>;
  positionals: string[];
}

export class FlagError extends Error {
  override name = 'FlagError';
}

export function parseFlags(argv: string[], specs: FlagSpecs): ParsedFlags {
  const byName = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) {
    byName.set(`--${name}`, name);
    for (const a of spec.aliases ?? []) byName.set(a, name);
  }
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const name = byName.get(flag);
    if (!name) throw new FlagError(`unknown flag ${flag}`);
    if (specs[name].type === 'boolean') {
      if (eq > 0) {
        const v = arg.slice(eq + 1);
        if (v !== 'true' && v !== 'false')
          throw new FlagError(`${flag} takes true or false, not ${JSON.stringify(v)}`);
        values[name] = v === 'true';
      } else values[name] = true;
      continue;
    }
    if (eq > 0) values[name] = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new FlagError(`${flag} needs a value`);
      values[name] = argv[++i];
    }
  }
  return { values, positionals };
}

export function flagString(f: ParsedFlags, name: string): string | undefined {
  const v = f.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flagBool(f: ParsedFlags, name: string): boolean {
  return f.values[name] === true;
}
