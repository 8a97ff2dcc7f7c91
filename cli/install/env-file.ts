// A systemd EnvironmentFile: KEY="value" lines. Values are double-quoted with `\` and `"`
// escaped (systemd.exec, "EnvironmentFile="); a newline cannot be written and is refused.

export class EnvFileError extends Error {
  override name = 'EnvFileError';
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function renderEnvFile(header: string, vars: Record<string, string | undefined>): string {
  const lines = header
    .split('\n')
    .filter(Boolean)
    .map((l) => `# ${l}`);
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) continue;
    if (!KEY.test(k)) throw new EnvFileError(`${JSON.stringify(k)} is not an environment variable name`);
    if (/[\n\r\0]/.test(v)) throw new EnvFileError(`${k}: a value cannot hold a newline or NUL`);
    lines.push(`${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  }
  return `${lines.join('\n')}\n`;
}

/** Words for `$DROVER_ARGS` in ExecStart= (systemd splits an unbraced variable on whitespace). */
export function argsValue(args: string[]): string | undefined {
  for (const a of args)
    if (/\s/.test(a) || a === '')
      throw new EnvFileError(`${JSON.stringify(a)}: extra arguments cannot hold spaces`);
  return args.length ? args.join(' ') : undefined;
}
