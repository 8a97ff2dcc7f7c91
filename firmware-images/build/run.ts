// Runs one external tool of the image build, its output passed through, and fails with the
// command line when it exits non-zero (the build is a list of such commands).

import { spawnSync } from 'node:child_process';

export class CommandError extends Error {
  override name = 'CommandError';
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Capture stdout and return it instead of passing it through. */
  capture?: boolean;
  input?: string | Buffer;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): string {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', opts.capture ? 'pipe' : 'inherit', 'inherit'],
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw new CommandError(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new CommandError(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return opts.capture ? r.stdout.toString() : '';
}
