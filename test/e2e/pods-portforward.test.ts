// kubectl port-forward end to end (real hub, a real agent on the real Docker engine, the real
// kubectl 1.32): SPDY/3 tunnelled in a WebSocket (kubectl's default) and on an upgraded
// connection (KUBECTL_PORT_FORWARD_WEBSOCKETS=false); bytes both ways through a busybox httpd
// (a page, a 300 kB file out, a 200 kB body in), several connections at once, a refused port
// as kubectl's own error without disturbing the pod, and RBAC (create on pods/portforward).

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Proc, run, trackProcess } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';
import { Cluster, freePort, podYaml, running } from './pods-harness.js';

const c = new Cluster([{ name: 'pf-a' }]);
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

// busybox httpd on 8080: a page, a random 300 kB file, and a CGI script answering the md5 of
// the body it was sent.
const WEB = [
  'mkdir -p /www/cgi-bin',
  'echo hello-through-port-forward > /www/index.html',
  'head -c 300000 /dev/urandom > /www/blob',
  `printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\nhead -c "$CONTENT_LENGTH" | md5sum | cut -d" " -f1\\n' > /www/cgi-bin/md5`,
  'chmod +x /www/cgi-bin/md5',
  'exec httpd -f -p 8080 -h /www',
].join(' && ');

test.before(async () => {
  await c.start();
  const r = await c.apply(podYaml({ name: 'web', command: WEB }));
  assert.is(r.code, 0, r.stderr);
  await c.waitPod('web', running, 'Running');
});
test.after(() => c.stop());

/** `kubectl port-forward pod/web LOCAL:REMOTE`, once it says it listens. */
async function forward(
  remote: number,
  opts: { kubeconfig?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ p: Proc; port: number }> {
  const port = await freePort();
  const p = trackProcess(
    spawn(
      'kubectl',
      ['--kubeconfig', opts.kubeconfig ?? c.hub.kubeconfig, 'port-forward', 'pod/web', `${port}:${remote}`],
      { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  await waitFor(() => p.output().includes(`Forwarding from 127.0.0.1:${port} -> ${remote}`), {
    what: `kubectl port-forward ${port}:${remote} listening`,
    timeoutMs: 20_000,
  });
  return { p, port };
}

/** One HTTP request on its own connection (no keep-alive pool across forwards). */
function http(port: number, path: string, body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      // The CGI script's header ends its lines with LF alone, as busybox httpd passes them on.
      {
        host: '127.0.0.1',
        port,
        path,
        method: body ? 'POST' : 'GET',
        agent: false,
        insecureHTTPParser: true,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('port-forward over the WebSocket tunnel: a page, 300 kB out, 200 kB in, 6 connections at once', async () => {
  const { p, port } = await forward(8080);
  try {
    const page = await http(port, '/');
    assert.is(page.status, 200);
    assert.is(page.body.toString(), 'hello-through-port-forward\n');
    const blob = await http(port, '/blob');
    assert.is(blob.body.length, 300_000);
    const inPod = await c.k(['exec', 'web', '--', 'md5sum', '/www/blob']);
    assert.is(md5(blob.body), inPod.stdout.split(' ')[0], 'the file arrived unchanged');
    const sent = randomBytes(200_000);
    const up = await http(port, '/cgi-bin/md5', sent);
    assert.is(up.body.toString().trim(), md5(sent), 'the body reached the pod unchanged');
    const many = await Promise.all(Array.from({ length: 6 }, () => http(port, '/')));
    for (const m of many) assert.is(m.body.toString(), 'hello-through-port-forward\n');
  } finally {
    await p.stop();
  }
});

test('port-forward over an upgraded SPDY connection (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', async () => {
  const { p, port } = await forward(8080, { env: { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' } });
  try {
    const page = await http(port, '/');
    assert.is(page.body.toString(), 'hello-through-port-forward\n');
    const sent = randomBytes(100_000);
    assert.is((await http(port, '/cgi-bin/md5', sent)).body.toString().trim(), md5(sent));
  } finally {
    await p.stop();
  }
});

test("a refused port is kubectl's error, and the pod is not disturbed", async () => {
  const { p, port } = await forward(81);
  await http(port, '/').then(
    () => assert.unreachable('nothing listens on 81 in the pod'),
    () => {},
  );
  const code = await p.exited;
  assert.is(code, 1, p.output());
  assert.match(
    p.output(),
    new RegExp(`an error occurred forwarding ${port} -> 81: error forwarding port 81 to pod default/web`),
  );
  assert.match(p.output(), /connect ECONNREFUSED/);
  const again = await forward(8080);
  try {
    assert.is((await http(again.port, '/')).body.toString(), 'hello-through-port-forward\n');
  } finally {
    await again.p.stop();
  }
});

test('RBAC: port-forward needs create on pods/portforward; a view user is refused, an edit user may', async () => {
  const kc = { vic: await c.userKubeconfig('vic', 'view'), eda: await c.userKubeconfig('eda', 'edit') };
  const as = (user: keyof typeof kc, ...args: string[]) =>
    run('kubectl', ['--kubeconfig', kc[user], ...args]);
  await waitFor(
    async () => (await as('eda', 'auth', 'can-i', 'create', 'pods/portforward')).stdout.trim() === 'yes',
    {
      what: 'the edit binding to take effect',
    },
  );
  const port = await freePort();
  const refused = await as('vic', 'port-forward', 'pod/web', `${port}:8080`);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /forbidden: User "vic" cannot create resource "pods\/portforward"/);
  const { p, port: ok } = await forward(8080, { kubeconfig: kc.eda });
  try {
    assert.is((await http(ok, '/')).body.toString(), 'hello-through-port-forward\n');
  } finally {
    await p.stop();
  }
});

test.run();
