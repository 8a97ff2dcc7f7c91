// The image build's pure parts: apt sources -> mirror, the package list, the bootstrap cache
// key (stable across checkouts, changed by what shapes the rootfs), the MBR script, the
// manifest's package list from a dpkg status file, and option validation.

import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootstrapKey, parsePackageList } from '../../firmware-images/build/bootstrap.js';
import { sfdiskScript } from '../../firmware-images/build/disk.js';
import { installedPackages } from '../../firmware-images/build/manifest.js';
import { debUris, MirrorError, pickMirror } from '../../firmware-images/build/mirror.js';
import { FIRMWARE_DIR, ImageOptionError, parseImageOptions } from '../../firmware-images/build/options.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

test.after(() => cleanupTempDirs());

test('deb822 and one-line sources give the Debian and security archives; disabled and deb-src entries ignored', () => {
  const deb822 = `Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb-src\nURIs: http://src.example/debian\n\nTypes: deb\nEnabled: no\nURIs: http://off.example/debian\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security/\nSuites: bookworm-security\n`;
  const uris = debUris(deb822, true);
  assert.equal(uris, ['http://deb.debian.org/debian', 'http://deb.debian.org/debian-security/']);
  assert.equal(pickMirror(uris), {
    debian: 'http://deb.debian.org/debian',
    security: 'http://deb.debian.org/debian-security',
  });
  assert.equal(
    debUris(
      '# deb http://x/debian bookworm main\ndeb [arch=amd64] http://mirror.local/debian bookworm main\n',
      false,
    ),
    ['http://mirror.local/debian'],
  );
  assert.equal(pickMirror(['http://mirror.local/debian']).security, 'http://mirror.local/debian-security');
  assert.throws(
    () => pickMirror(['https://packages.cloud.google.com/apt']),
    (e: Error) => e instanceof MirrorError,
  );
});

test('package list: comments and blanks dropped, sorted, deduplicated', () => {
  assert.equal(parsePackageList('# boot\nzstd\n\nnodejs  # the agent\nzstd\n'), ['nodejs', 'zstd']);
});

test('bootstrap key: the same for a copy of firmware-images elsewhere; changed by the package list, a hook script, a base file, the mirror', () => {
  const copy = (name: string) => {
    const dir = join(tempDir('drover-fw-key-'), name);
    cpSync(join(FIRMWARE_DIR, 'rootfs'), dir, { recursive: true });
    return dir;
  };
  const inputs = (dir: string, debian = 'http://deb.debian.org/debian') => ({
    suite: 'bookworm',
    arch: 'arm64',
    mirror: { debian, security: `${debian}-security` },
    packages: ['nodejs'],
    hook: join(dir, 'customize.sh'),
    essentialHook: join(dir, 'divert.sh'),
    baseDir: join(dir, 'base'),
  });
  const a = copy('a');
  const b = copy('b');
  const key = bootstrapKey(inputs(a));
  assert.is(bootstrapKey(inputs(b)), key);
  assert.is.not(bootstrapKey({ ...inputs(a), packages: ['nodejs', 'docker.io'] }), key);
  assert.is.not(bootstrapKey(inputs(a, 'http://mirror.local/debian')), key);
  writeFileSync(join(b, 'customize.sh'), '#!/bin/sh\n');
  assert.is.not(bootstrapKey(inputs(b)), key);
  const c = copy('c');
  writeFileSync(join(c, 'base/etc/fstab'), '# other\n');
  assert.is.not(bootstrapKey(inputs(c)), key);
  // A script the hooks call (the one initramfs run) shapes the root too.
  const d = copy('d');
  writeFileSync(join(d, 'initramfs.sh'), '#!/bin/sh\n');
  assert.is.not(bootstrapKey(inputs(d)), key);
});

test('MBR script: FAT32 LBA at 4 MiB (bootable), root right after, label id from the epoch', () => {
  const s = sfdiskScript(256, 1000, 1_700_000_000);
  assert.match(s, /^label: dos$/m);
  assert.match(s, /^start=8192, size=524288, type=c, bootable$/m);
  assert.match(s, /^start=532480, size=2048000, type=83$/m);
  assert.is(sfdiskScript(256, 1000, 1_700_000_000), s);
  assert.is.not(sfdiskScript(256, 1000, 1_700_000_001), s);
});

test('manifest packages: installed ones only, with version and arch, sorted', () => {
  const status = [
    'Package: zstd\nStatus: install ok installed\nArchitecture: arm64\nVersion: 1.5.4+dfsg2-5',
    'Package: gone\nStatus: deinstall ok config-files\nArchitecture: arm64\nVersion: 1',
    'Package: nodejs\nStatus: install ok installed\nArchitecture: arm64\nVersion: 18.19.0+dfsg-6~deb12u2\nDescription: x\n continued',
  ].join('\n\n');
  assert.equal(installedPackages(status), [
    { name: 'nodejs', version: '18.19.0+dfsg-6~deb12u2', arch: 'arm64' },
    { name: 'zstd', version: '1.5.4+dfsg2-5', arch: 'arm64' },
  ]);
});

const badOptions: [string[], Record<string, string>, RegExp][] = [
  [['--arch', 'armhf'], {}, /only arm64/],
  [['--board', 'rpi3'], {}, /one of rpi4, rpi5, generic/],
  [['--board', 'rpi5'], {}, /bcm2712 device tree/],
  [[], { SOURCE_DATE_EPOCH: 'yesterday' }, /SOURCE_DATE_EPOCH/],
  [['extra'], {}, /unexpected argument/],
  [['--zstd-level', '0'], {}, /--zstd-level "0": an integer from 1 to 19/],
  [['--zstd-level', '3.5'], {}, /an integer from 1 to 19/],
  [['--zstd-level', '22'], {}, /an integer from 1 to 19/],
];
for (const [argv, env, message] of badOptions)
  test(`image options refused: ${argv.join(' ') || JSON.stringify(env)}`, () => {
    assert.throws(
      () => parseImageOptions(argv, env, () => 1),
      (e: Error) => e instanceof ImageOptionError && message.test(e.message),
    );
  });

test('image options: defaults, SOURCE_DATE_EPOCH from the environment or the commit time', () => {
  const o = parseImageOptions(['--board', 'generic'], {}, () => 1234);
  if (o === 'help') throw new Error('help');
  assert.is(o.arch, 'arm64');
  assert.is(o.board.name, 'generic');
  assert.is(o.sourceDateEpoch, 1234);
  const e = parseImageOptions([], { SOURCE_DATE_EPOCH: '99' }, () => 1234);
  if (e === 'help') throw new Error('help');
  assert.is(e.sourceDateEpoch, 99);
  assert.is(e.board.name, 'rpi4');
  assert.is(e.zstdLevel, 12);
  const z = parseImageOptions(['--zstd-level', '3'], {}, () => 1);
  if (z === 'help') throw new Error('help');
  assert.is(z.zstdLevel, 3);
});

test.run();
