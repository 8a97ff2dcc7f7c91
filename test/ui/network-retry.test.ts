// The dashboard's reads try again after a network error (the browser's "Failed to fetch" when
// the machine's network changes), and nothing else does: table-driven over method and failure.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchRetryingNetworkErrors } from '../../ui/src/api/network-retry.js';

/** A fetch that fails with each of `failures` in turn, then answers 200. */
function flakyFetch(failures: Error[]) {
  const calls: string[] = [];
  const fn = async (input: string, init?: RequestInit) => {
    calls.push(`${init?.method ?? 'GET'} ${input}`);
    const f = failures.shift();
    if (f) throw f;
    return new Response('ok');
  };
  return { fn, calls };
}

const netErr = () => new TypeError('Failed to fetch');
const NO_WAIT = [0, 0];

const cases: { what: string; method?: string; failures: Error[]; ok: boolean; calls: number }[] = [
  { what: 'a GET after one network error', failures: [netErr()], ok: true, calls: 2 },
  { what: 'a GET after two network errors', failures: [netErr(), netErr()], ok: true, calls: 3 },
  { what: 'a GET after three network errors', failures: [netErr(), netErr(), netErr()], ok: false, calls: 3 },
  { what: 'a HEAD after one network error', method: 'HEAD', failures: [netErr()], ok: true, calls: 2 },
  { what: 'a POST after one network error', method: 'POST', failures: [netErr()], ok: false, calls: 1 },
  { what: 'a PATCH after one network error', method: 'PATCH', failures: [netErr()], ok: false, calls: 1 },
  {
    what: 'a GET after an error that is not the network',
    failures: [new Error('boom')],
    ok: false,
    calls: 1,
  },
];

for (const c of cases)
  test(`${c.what}: ${c.ok ? 'answered' : 'fails'} after ${c.calls} call(s)`, async () => {
    const f = flakyFetch([...c.failures]);
    const init = c.method ? { method: c.method } : {};
    const res = await fetchRetryingNetworkErrors(f.fn, '/api/v1/nodes', init, NO_WAIT).then(
      (r) => r,
      () => undefined,
    );
    assert.is(res !== undefined, c.ok);
    assert.is(f.calls.length, c.calls);
  });

test('an aborted read is not tried again', async () => {
  const ac = new AbortController();
  ac.abort();
  const f = flakyFetch([netErr()]);
  await fetchRetryingNetworkErrors(f.fn, '/api/v1/nodes', { signal: ac.signal }, NO_WAIT).then(
    () => assert.unreachable('aborted read answered'),
    (e) => assert.instance(e, TypeError),
  );
  assert.is(f.calls.length, 1);
});

test.run();
