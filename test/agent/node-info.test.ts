import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  collectNodeInfo,
  goArch,
  goOs,
  nodeAddresses,
  parseOsRelease,
  probeRuntime,
} from '../../agent/node-info.js';

const arches: [string, string][] = [
  ['x64', 'amd64'],
  ['arm64', 'arm64'],
  ['arm', 'arm'],
  ['ia32', '386'],
  ['ppc64', 'ppc64le'],
  ['s390x', 's390x'],
  ['riscv64', 'riscv64'],
  ['mipsel', 'mipsle'],
];
for (const [node, go] of arches) test(`arch ${node} -> ${go}`, () => assert.is(goArch(node), go));

test('os names', () => {
  assert.is(goOs('linux'), 'linux');
  assert.is(goOs('win32'), 'windows');
  assert.is(goOs('darwin'), 'darwin');
});

test('os-release PRETTY_NAME', () => {
  assert.is(
    parseOsRelease('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'),
    'Debian GNU/Linux 12 (bookworm)',
  );
  assert.is(parseOsRelease("PRETTY_NAME='Raspbian'"), 'Raspbian');
  assert.is(parseOsRelease('PRETTY_NAME=Alpine'), 'Alpine');
  assert.is(parseOsRelease('NAME=x'), undefined);
});

test('addresses: first non-internal IPv4, then Hostname (both family spellings)', () => {
  const ifaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [
      { address: 'fe80::1', family: 'IPv6', internal: false },
      { address: '10.0.0.5', family: 4, internal: false },
    ],
    wlan0: [{ address: '192.168.1.9', family: 'IPv4', internal: false }],
  };
  assert.equal(nodeAddresses(ifaces, 'pi'), [
    { type: 'InternalIP', address: '10.0.0.5' },
    { type: 'Hostname', address: 'pi' },
  ]);
  assert.equal(nodeAddresses({ lo: ifaces.lo }, 'pi'), [{ type: 'Hostname', address: 'pi' }]);
});

test('runtime probe on a missing socket says why, quickly', async () => {
  const t0 = Date.now();
  const p = await probeRuntime('/nonexistent/docker.sock', 1000);
  assert.is(p.ready, false);
  assert.is(p.version, undefined);
  assert.match(p.message, /\/nonexistent\/docker\.sock/);
  assert.ok(Date.now() - t0 < 1500);
  const info = await collectNodeInfo(p);
  assert.is(info.containerRuntimeVersion, '');
  assert.is(info.architecture, goArch(process.arch));
  assert.ok(info.kernelVersion.length > 0 && info.osImage.length > 0);
  assert.is(info.kubeletVersion, 'v0.1.0-drover');
});

test.run();
