// The in-process requests a hub's audit log shows refused (401/403): a controller or the gateway
// missing a permission in its bootstrap role (hub/auth/rbac/controller-roles.ts). Hub test
// harnesses check there are none when they stop a hub, so every test that drives a component
// also checks its role.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RefusedLine {
  user: string;
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  code: number;
}

export function componentRefusals(dataDir: string, allowUsers: string[] = []): RefusedLine[] {
  const path = join(dataDir, 'audit.log');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"userAgent":"in-process"'))
    .map((l) => JSON.parse(l) as RefusedLine & { userAgent?: string })
    .filter((l) => (l.code === 401 || l.code === 403) && !allowUsers.includes(l.user));
}
