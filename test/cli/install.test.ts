// `drover install hub|agent` into a staging root: the units systemd's own checker accepts
// without a word, the hardening they promise, the environment file 0600 with the settings
// (and nothing a value could smuggle in), and `drover uninstall` taking it all away again.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drover } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

test.after(() => cleanupTempDirs());

const UNIT_DIR = 'etc/systemd/system';

/** systemd-analyze verify: exit 0 and nothing said (it only warns, exit 0, on a bad boolean). */
function verify(unitPath: string): void {
  const r = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8' });
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.is(`${r.stdout}${r.stderr}`.trim(), '', 'systemd-analyze verify says nothing');
}

const HARDENED = [
  'NoNewPrivileges=yes',
  'ProtectSystem=strict',
  'PrivateTmp=yes',
  'ProtectKernelModules=yes',
  'CapabilityBoundingSet=',
  'StateDirectory=drover/',
];

for (const role of ['agent', 'hub'] as const)
  test(`install ${role}: a unit systemd-analyze verify accepts, hardened, with its env file 0600`, async () => {
    const root = tempDir(`drover-install-${role}-`);
    const args =
      role === 'agent'
        ? [
            'install',
            'agent',
            '--root',
            root,
            '--hub',
            'mqtt://hub.lan:1883',
            '--token',
            'abcdef.0123456789abcdef',
            '--labels',
            'region=eu',
            '--',
            '--heartbeat-interval',
            '5s',
          ]
        : ['install', 'hub', '--root', root, '--', '--api-port', '6443'];
    const r = await drover(args);
    assert.is(r.code, 0, r.stderr);
    const unitPath = join(root, UNIT_DIR, `drover-${role}.service`);
    const unit = readFileSync(unitPath, 'utf8');
    verify(unitPath);
    for (const h of HARDENED) assert.ok(unit.includes(h), `${h} in\n${unit}`);
    const sup = role === 'agent' ? ' --supervise' : '';
    assert.match(
      unit,
      new RegExp(`^ExecStart=/\\S+/node \\S+/cli/main\\.js ${role}${sup} \\$DROVER_ARGS$`, 'm'),
    );
    assert.match(unit, /^EnvironmentFile=\/etc\/drover\/\w+\.env$/m);
    const hasDocker = spawnSync('getent', ['group', 'docker']).status === 0;
    if (role === 'hub' || hasDocker) assert.match(unit, /^User=drover$/m, 'a dedicated user');
    if (role === 'agent' && hasDocker) assert.match(unit, /^SupplementaryGroups=docker$/m);
    const envPath = join(root, 'etc/drover', `${role}.env`);
    assert.is(statSync(envPath).mode & 0o777, 0o600);
    const env = readFileSync(envPath, 'utf8');
    if (role === 'agent') {
      assert.match(env, /^DROVER_HUB="mqtt:\/\/hub\.lan:1883"$/m);
      assert.match(env, /^DROVER_TOKEN="abcdef\.0123456789abcdef"$/m);
      assert.match(env, /^DROVER_DATA_DIR="\/var\/lib\/drover\/agent"$/m);
      assert.match(env, /^DROVER_ARGS="--heartbeat-interval 5s"$/m);
    } else assert.match(env, /^DROVER_ARGS="--data-dir \/var\/lib\/drover\/hub --api-port 6443"$/m);
  });

test('a unit that breaks a directive is caught by the same check (the check can fail)', () => {
  const dir = tempDir('drover-install-bad-');
  const bad = join(dir, 'bad.service');
  execFileSync('sh', ['-c', `printf '[Service]\\nExecStart=/bin/true\\nNoNewPrivileges=maybe\\n' > ${bad}`]);
  const r = spawnSync('systemd-analyze', ['verify', bad], { encoding: 'utf8' });
  assert.match(`${r.stdout}${r.stderr}`, /Failed to parse boolean/);
});

test('values cannot smuggle lines into the env file; words with spaces are refused; the hub takes no agent flags', async () => {
  const root = tempDir('drover-install-hostile-');
  const quote = await drover([
    'install',
    'agent',
    '--root',
    root,
    '--hub',
    'mqtt://h:1883',
    '--token',
    'a"b\\c',
  ]);
  assert.is(quote.code, 0, quote.stderr);
  const env = readFileSync(join(root, 'etc/drover/agent.env'), 'utf8');
  assert.match(env, /^DROVER_TOKEN="a\\"b\\\\c"$/m, 'quote and backslash escaped');
  const nl = await drover([
    'install',
    'agent',
    '--root',
    tempDir('x-'),
    '--hub',
    'mqtt://h:1883',
    '--token',
    'a\nDROVER_HUB=evil',
  ]);
  assert.is.not(nl.code, 0);
  assert.match(nl.stderr, /newline/);
  const sp = await drover(['install', 'hub', '--root', tempDir('x-'), '--', '--api-host', '1.2.3.4 --evil']);
  assert.is.not(sp.code, 0);
  assert.match(sp.stderr, /cannot hold spaces/);
  const flag = await drover(['install', 'hub', '--root', tempDir('x-'), '--token', 't']);
  assert.is(flag.code, 2);
  const noHub = await drover(['install', 'agent', '--root', tempDir('x-')]);
  assert.is(noHub.code, 2);
  assert.match(noHub.stderr, /--hub/);
  const role = await drover(['install', 'kubelet', '--root', tempDir('x-')]);
  assert.is(role.code, 2);
});

test('uninstall removes the unit and env file; --purge removes the data too', async () => {
  const root = tempDir('drover-uninstall-');
  assert.is((await drover(['install', 'hub', '--root', root])).code, 0);
  const data = join(root, 'var/lib/drover/hub');
  mkdirSync(data, { recursive: true });
  const r = await drover(['uninstall', 'hub', '--root', root]);
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(existsSync(join(root, UNIT_DIR, 'drover-hub.service')));
  assert.not.ok(existsSync(join(root, 'etc/drover/hub.env')));
  assert.ok(existsSync(data), 'data kept without --purge');
  assert.is((await drover(['uninstall', 'hub', '--root', root, '--purge'])).code, 0);
  assert.not.ok(existsSync(data));
});

test.run();
