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
    .map(parseAuditLine)
    .filter((l): l is RefusedLine => l !== undefined)
    .filter((l) => (l.code === 401 || l.code === 403) && !allowUsers.includes(l.user));
}

/**
 * One audit line. A write cut short by a full disk (chaos/hub-disk-full) leaves a partial line
 * that the next write continues: the whole entry that follows it is still read, so a refusal
 * written after the disk filled is not lost; a fragment alone is skipped.
 */
function parseAuditLine(line: string): RefusedLine | undefined {
  for (let i = 0; i >= 0; i = line.indexOf('{"', i + 1)) {
    try {
      return JSON.parse(line.slice(i)) as RefusedLine;
    } catch {
      // not a whole entry from here: try the next one that starts on this line
    }
  }
  return undefined;
}
