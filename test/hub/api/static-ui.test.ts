// The dashboard's static files at /ui on the API port: the built bundle from dist/ui, its
// headers (CSP: nothing from outside the hub), and no way from a URL to another file.

import { request } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startApi, type TestApi } from './helpers.js';
import { tempDir, cleanupTempDirs } from '../../helpers/tmp.js';

let t: TestApi;
let unbuilt: TestApi;

test.before(async () => {
  t = await startApi();
  unbuilt = await startApi({ uiDir: tempDir('drover-no-ui-') });
});
test.after(async () => {
  await t.stop();
  await unbuilt.stop();
  cleanupTempDirs();
});

/** A GET with the path sent as written (fetch would normalize `..`). */
function rawGet(
  base: string,
  path: string,
): Promise<{ code: number; headers: Record<string, string>; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () =>
        resolve({ code: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

test('/ui redirects to /ui/, which serves the page; the bundle is JavaScript with a strict CSP', async () => {
  const r = await rawGet(t.api.url, '/ui');
  assert.is(r.code, 301);
  assert.is(r.headers.location, '/ui/');
  const page = await rawGet(t.api.url, '/ui/');
  assert.is(page.code, 200);
  assert.match(page.headers['content-type'], /text\/html/);
  assert.match(page.body, /<script type="module" src="app.js">/);
  assert.match(page.headers['content-security-policy'], /default-src 'self'/);
  const js = await rawGet(t.api.url, '/ui/app.js');
  assert.is(js.code, 200);
  assert.match(js.headers['content-type'], /text\/javascript/);
  assert.is(js.headers['x-content-type-options'], 'nosniff');
  assert.not.match(js.body, /https?:\/\/(cdn|unpkg|esm\.sh)/, 'nothing from a CDN');
});

const REFUSED = [
  '/ui/../../etc/passwd',
  '/ui/%2e%2e/%2e%2e/etc/passwd',
  '/ui/..%2fserver.js',
  '/ui/nope.js',
  '/ui//etc/passwd',
  '/ui/index.html/',
];
for (const path of REFUSED)
  test(`${path}: a 404 Status, no file outside the dashboard`, async () => {
    const r = await rawGet(t.api.url, path);
    assert.is(r.code, 404, r.body);
    assert.is(JSON.parse(r.body).kind, 'Status');
    assert.not.match(r.body, /root:/);
  });

test('a hub whose dashboard is not built says so in the 404', async () => {
  const r = await rawGet(unbuilt.api.url, '/ui/');
  assert.is(r.code, 404);
  assert.match(JSON.parse(r.body).message, /not built: npm run build/);
});

test.run();
