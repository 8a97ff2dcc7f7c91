// Rule coverage, the pure half of RBAC escalation prevention (upstream's Covers semantics):
// a `*` covers only on the holder's side, resourceNames narrow the holder, `*/sub` covers a
// subresource, URL prefixes end in `*`.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PolicyRule } from '../../../../shared/api/rbac.js';
import { compact, compactString, uncovered } from '../../../../hub/auth/rbac/covers.js';

const r = (
  verbs: string[],
  apiGroups: string[],
  resources: string[],
  resourceNames?: string[],
): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
  ...(resourceNames ? { resourceNames } : {}),
});
const url = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

const cases: [string, PolicyRule[], PolicyRule[], boolean][] = [
  ['exact', [r(['get'], [''], ['pods'])], [r(['get'], [''], ['pods'])], true],
  ['verb not held', [r(['get'], [''], ['pods'])], [r(['get', 'delete'], [''], ['pods'])], false],
  ['held * verb covers any', [r(['*'], [''], ['pods'])], [r(['get', 'escalate'], [''], ['pods'])], true],
  [
    'asked * verb needs held *',
    [r(['get', 'list', 'create'], [''], ['pods'])],
    [r(['*'], [''], ['pods'])],
    false,
  ],
  [
    'asked * resource needs held *',
    [r(['get'], [''], ['pods', 'secrets'])],
    [r(['get'], [''], ['*'])],
    false,
  ],
  ['asked * group needs held *', [r(['get'], ['', 'apps'], ['pods'])], [r(['get'], ['*'], ['pods'])], false],
  ['held * everything', [r(['*'], ['*'], ['*'])], [r(['*'], ['*'], ['*'], ['x'])], true],
  ['other group', [r(['get'], ['apps'], ['pods'])], [r(['get'], [''], ['pods'])], false],
  [
    'split across two held rules',
    [r(['get'], [''], ['pods']), r(['list'], [''], ['pods'])],
    [r(['get', 'list'], [''], ['pods'])],
    true,
  ],
  ['subresource by */sub', [r(['get'], [''], ['*/status'])], [r(['get'], [''], ['pods/status'])], true],
  [
    'resource does not cover its subresource',
    [r(['get'], [''], ['pods'])],
    [r(['get'], [''], ['pods/log'])],
    false,
  ],
  [
    'held names cover those names',
    [r(['get'], [''], ['pods'], ['a', 'b'])],
    [r(['get'], [''], ['pods'], ['a'])],
    true,
  ],
  ['held names do not cover all', [r(['get'], [''], ['pods'], ['a'])], [r(['get'], [''], ['pods'])], false],
  ['unlimited held covers names', [r(['get'], [''], ['pods'])], [r(['get'], [''], ['pods'], ['a'])], true],
  ['url exact', [url(['get'], ['/healthz'])], [url(['get'], ['/healthz'])], true],
  ['url prefix', [url(['get'], ['/api/*'])], [url(['get'], ['/api/v1'])], true],
  ['url not held', [url(['get'], ['/api/*'])], [url(['get'], ['/metrics'])], false],
  ['resource rules do not cover urls', [r(['*'], ['*'], ['*'])], [url(['get'], ['/metrics'])], false],
  ['nothing asked', [], [], true],
  ['nothing held', [], [r(['get'], [''], ['pods'])], false],
];

for (const [what, held, wanted, covered] of cases)
  test(`covers: ${what}`, () => {
    assert.is(uncovered(held, wanted).length === 0, covered);
  });

test('the missing atoms are named, compacted by verb, in upstream CompactString form', () => {
  const missing = uncovered(
    [r(['get'], [''], ['pods'])],
    [r(['get', 'list', 'delete'], [''], ['pods', 'secrets'])],
  );
  assert.equal(compact(missing).map(compactString).sort(), [
    '{APIGroups:[""], Resources:["pods"], Verbs:["list" "delete"]}',
    '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list" "delete"]}',
  ]);
  assert.is(compactString(url(['get'], ['/metrics'])), '{NonResourceURLs:["/metrics"], Verbs:["get"]}');
});

test.run();
