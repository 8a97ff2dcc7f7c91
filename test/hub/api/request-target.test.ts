// parseRequestTarget gives what new URL(target, 'http://localhost') gives (pathname and query
// parameters) for any target: plain ones read directly, the rest through URL. A property over
// targets built from the characters that matter (dot segments, "//", percent, "#", spaces,
// non-ASCII), and a table of the cases where a direct read would be wrong.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRequestTarget } from '../../../hub/api/http/request-target.js';
import { assertProperty } from '../../helpers/property.js';

/** The parse, or the error it threw (a target URL refuses is refused the same way). */
function outcome(parse: () => { pathname: string; searchParams: URLSearchParams }) {
  try {
    const t = parse();
    return { pathname: t.pathname, query: [...t.searchParams] };
  } catch (e) {
    return { error: String(e) };
  }
}
const viaUrl = (target: string) => outcome(() => new URL(target, 'http://localhost'));
const direct = (target: string) => outcome(() => parseRequestTarget(target));

const piece = fc.constantFrom(
  'api',
  'v1',
  'namespaces',
  'a-b_c',
  '/',
  '//',
  '.',
  '..',
  '%2F',
  '%',
  '?',
  '&',
  '=',
  '+',
  '#',
  ' ',
  'é',
  ':',
  '~',
  '"',
  '<',
  '\\',
  'watch=1',
  'fieldSelector=spec.nodeName%3Dn1',
  "'",
  '`',
  '\t',
);

test('equals new URL() on targets of the characters that matter', async () => {
  await assertProperty(
    fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
      const target = `/${parts.join('')}`;
      assert.equal(direct(target), viaUrl(target), target);
    }),
    { numRuns: 2000 },
  );
});

const cases: string[] = [
  '/api/v1/namespaces/default/configmaps',
  '/api/v1/namespaces/default/pods?watch=1&resourceVersion=10',
  '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1&labelSelector=app+in+(a,b)',
  '//evil/api/v1/pods', // a host to URL
  '/api/v1/../v1/pods', // a dot segment
  '/api/v1/pods?a=1#frag', // a fragment leaves the query
  '/api/v1/p%6Fds',
  '/',
  '/\\', // a backslash is a slash to URL: a host-relative URL with no host, refused
];
for (const t of cases) test(`same as new URL(): ${t}`, () => assert.equal(direct(t), viaUrl(t)));

test('no target reads as /', () => assert.is(parseRequestTarget(undefined).pathname, '/'));

test.run();
