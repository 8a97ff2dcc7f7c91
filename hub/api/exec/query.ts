// The query of `pods/{name}/exec` as kubectl sends it: `command` (repeated, one per argument),
// `container`, and the stdin/stdout/stderr/tty switches. Refusals in kube-apiserver's words.

import { BadRequestError } from '../errors.js';

export interface ExecQuery {
  command: string[];
  container?: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

function flag(q: URLSearchParams, k: string): boolean {
  const v = q.get(k);
  if (v === null || v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw new BadRequestError(`${k}: ${JSON.stringify(v)} is not a boolean (true or false)`);
}

export function parseExecQuery(q: URLSearchParams): ExecQuery {
  const command = q.getAll('command');
  if (command.length === 0)
    throw new BadRequestError('you must specify at least one command for the container');
  const out: ExecQuery = {
    command,
    stdin: flag(q, 'stdin'),
    stdout: flag(q, 'stdout'),
    stderr: flag(q, 'stderr'),
    tty: flag(q, 'tty'),
  };
  if (!out.stdin && !out.stdout && !out.stderr)
    throw new BadRequestError('you must specify at least 1 of stdin, stdout, stderr');
  // A terminal carries both output streams: stderr is merged into stdout (kubelet's rule).
  if (out.tty) out.stderr = false;
  const c = q.get('container');
  if (c) out.container = c;
  return out;
}
