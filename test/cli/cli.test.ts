// CLI pieces that need no hub: table rendering, API discovery, errors and exit codes.

import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  HubNotFoundError,
  readKubeconfig,
  resolveApiTarget,
  resourceInfo,
  resourcePath,
} from '../../cli/api.js';
import { describeNode } from '../../cli/commands/describe.js';
import { dialableMqttUrl } from '../../hub/cluster-info.js';
import { renderTable } from '../../cli/table.js';
import type { Node } from '../../shared/api/types.js';
import { drover, parseTable } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

test.after(() => cleanupTempDirs());

const table = {
  kind: 'Table' as const,
  columnDefinitions: [
    { name: 'Name', type: 'string', priority: 0 },
    { name: 'Status', type: 'string', priority: 0 },
    { name: 'Internal-IP', type: 'string', priority: 1 },
  ],
  rows: [
    { cells: ['pi-1', 'Ready', '10.0.0.5'], object: { metadata: { name: 'pi-1', namespace: 'a' } } },
    { cells: ['a-much-longer-name', 'NotReady', null], object: { metadata: { name: 'x', namespace: 'b' } } },
  ],
};

test('table: kubectl layout, wide columns only with -o wide, namespace column with -A', () => {
  assert.is(
    renderTable(table),
    'NAME                 STATUS\npi-1                 Ready\na-much-longer-name   NotReady\n',
  );
  const wide = parseTable(renderTable(table, { wide: true }));
  assert.equal(wide[1], { NAME: 'a-much-longer-name', STATUS: 'NotReady', 'INTERNAL-IP': '<none>' });
  const all = parseTable(renderTable(table, { withNamespace: true }));
  assert.equal(
    all.map((r) => r.NAMESPACE),
    ['a', 'b'],
  );
});

test('resource names and paths', () => {
  const cases: [string, string | undefined, string | undefined, string][] = [
    ['no', undefined, 'pi', '/api/v1/nodes/pi'],
    ['po', 'default', undefined, '/api/v1/namespaces/default/pods'],
    ['pods', undefined, undefined, '/api/v1/pods'],
    ['ns', 'ignored', undefined, '/api/v1/namespaces'],
    ['deploy', 'x', 'web', '/apis/apps/v1/namespaces/x/deployments/web'],
  ];
  for (const [t, ns, name, path] of cases) assert.is(resourcePath(resourceInfo(t), ns, name), path);
  assert.throws(() => resourceInfo('widgets'), /unknown resource type "widgets"/);
});

test('API target: --kubeconfig, DROVER_KUBECONFIG, default path; --server replaces the server only', () => {
  const dir = tempDir();
  const kc = join(dir, 'kubeconfig');
  writeFileSync(
    kc,
    'apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster: {server: "http://wrong:1"}\n- name: drover\n  cluster: {server: "http://127.0.0.1:9/"}\nusers:\n- name: admin\n  user: {token: abc}\ncontexts:\n- name: drover\n  context: {cluster: drover, user: admin}\ncurrent-context: drover\n',
  );
  assert.equal(readKubeconfig(kc), { server: 'http://127.0.0.1:9', token: 'abc', tls: {} });
  assert.is(resolveApiTarget({ server: 'http://x:1/' }, {}).server, 'http://x:1');
  const both = resolveApiTarget({ server: 'https://x:1/', kubeconfig: kc }, {});
  assert.equal([both.server, both.token], ['https://x:1', 'abc']);
  // Inline PEM data and file paths relative to the kubeconfig, as clientcmd reads them.
  writeFileSync(join(dir, 'ca.crt'), 'CA PEM');
  writeFileSync(
    join(dir, 'kc2'),
    `apiVersion: v1\nclusters:\n- name: c\n  cluster: {server: "https://h:1", certificate-authority: ca.crt}\nusers:\n- name: u\n  user: {client-certificate-data: ${Buffer.from('CERT').toString('base64')}, client-key-data: ${Buffer.from('KEY').toString('base64')}}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n`,
  );
  assert.equal(readKubeconfig(join(dir, 'kc2')).tls, { caPem: 'CA PEM', certPem: 'CERT', keyPem: 'KEY' });
  assert.is(resolveApiTarget({ kubeconfig: kc }, {}).server, 'http://127.0.0.1:9');
  assert.is(resolveApiTarget({}, { DROVER_KUBECONFIG: kc }).server, 'http://127.0.0.1:9');
  assert.throws(
    () => resolveApiTarget({ kubeconfig: join(dir, 'nope') }, {}),
    (e: unknown) => e instanceof HubNotFoundError && /drover hub/.test((e as Error).message),
  );
});

test('dialable MQTT URL for the join command line', () => {
  const cases: [string, string, string | null, string][] = [
    ['mqtt://0.0.0.0:1883', '0.0.0.0', null, 'mqtt://<this-machine-address>:1883'],
    ['mqtt://127.0.0.1:1883', '0.0.0.0', '10.0.0.2', 'mqtt://10.0.0.2:1883'],
    ['mqtt://127.0.0.1:1883', '127.0.0.1', '10.0.0.2', 'mqtt://127.0.0.1:1883'],
    ['mqtt://10.1.1.1:1883', '0.0.0.0', '10.0.0.2', 'mqtt://10.1.1.1:1883'],
  ];
  for (const [url, listen, ip, want] of cases) assert.is(dialableMqttUrl(url, listen, ip), want, url);
});

test('describe node text', () => {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'pi-1', labels: { zone: 'lab' }, creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }] },
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' }],
      capacity: { cpu: '4', memory: '100Ki' },
      addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
    },
  };
  const text = describeNode(node, [], []);
  assert.match(text, /^Name:\s+pi-1$/m);
  assert.match(text, /^Labels:\s+zone=lab$/m);
  assert.match(text, /^Taints:\s+node.kubernetes.io\/unreachable:NoSchedule$/m);
  assert.match(text, /Ready\s+True\s+KubeletReady\s+ok/);
  assert.match(text, /InternalIP:\s+10.0.0.5/);
  assert.match(text, /cpu:\s+4/);
});

test('exit codes and messages: help, unknown command, no hub, unreachable hub', async () => {
  const help = await drover(['--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /Commands:[\s\S]*\n {2}up /);
  for (const cmd of ['get', 'agent', 'hub', 'up', 'describe', 'token']) {
    const r = await drover([cmd, '--help']);
    assert.is(r.code, 0, `${cmd} --help: ${r.stderr}`);
    assert.match(r.stdout, /Usage: drover/);
  }
  const unknown = await drover(['frobnicate']);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const cwd = tempDir();
  const noHub = await drover(['get', 'nodes', '--kubeconfig', join(cwd, 'kc')]);
  assert.is(noHub.code, 1);
  assert.match(noHub.stderr, /no hub found: .*drover hub/);
  // A port nothing listens on: take a free one and close it.
  const port = await new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
  const down = await drover(['get', 'nodes', '--server', `http://127.0.0.1:${port}`]);
  assert.is(down.code, 1);
  assert.match(down.stderr, new RegExp(`cannot reach the hub API at http://127.0.0.1:${port}.*ECONNREFUSED`));
  const badAgent = await drover(['agent', '--hub', 'http://x', '--data-dir', cwd]);
  assert.is(badAgent.code, 2);
  assert.match(badAgent.stderr, /--hub: .*not an MQTT URL/);
  const badGet = await drover(['get']);
  assert.is(badGet.code, 2);
  assert.match(badGet.stderr, /get needs a resource type/);
});

test.run();
