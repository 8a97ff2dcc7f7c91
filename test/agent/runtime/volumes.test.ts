import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Pod, Secret, Volume } from '../../../shared/api/types.js';
import { VolumeSetupError } from '../../../agent/runtime/errors.js';
import { materializeVolumes } from '../../../agent/runtime/volumes.js';

let root = '';
test.before(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'drover-volumes-'));
});
test.after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const cm = (data: Record<string, string>, binaryData?: Record<string, string>): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'd' },
  data,
  binaryData,
});
const secret: Secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'sec' },
  data: { pw: Buffer.from('hunter2').toString('base64') },
};
const pod = (volumes: Volume[]): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', uid: 'u' },
  spec: { containers: [], volumes },
});
const none = new Map<string, never>();

async function podDir(): Promise<string> {
  return fs.mkdtemp(join(root, 'pod-'));
}

test('emptyDir and hostPath DirectoryOrCreate / FileOrCreate', async () => {
  const dir = await podDir();
  const hp = join(root, 'host-dir', 'x');
  const hf = join(root, 'host-file', 'f.txt');
  const paths = await materializeVolumes(
    pod([
      { name: 'e', emptyDir: {} },
      { name: 'h', hostPath: { path: hp, type: 'DirectoryOrCreate' } },
      { name: 'f', hostPath: { path: hf, type: 'FileOrCreate' } },
    ]),
    dir,
    none,
    none,
  );
  assert.equal(paths, { e: join(dir, 'volumes', 'empty-dir', 'e'), h: hp, f: hf });
  const st = await fs.stat(paths.e);
  assert.ok(st.isDirectory());
  assert.is(st.mode & 0o777, 0o777);
  assert.ok((await fs.stat(hp)).isDirectory());
  assert.ok((await fs.stat(hf)).isFile());
});

test('hostPath Directory that does not exist fails', async () => {
  const dir = await podDir();
  try {
    await materializeVolumes(
      pod([{ name: 'h', hostPath: { path: join(root, 'nope'), type: 'Directory' } }]),
      dir,
      none,
      none,
    );
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, VolumeSetupError);
  }
});

test('a claim volume the hub could not resolve fails, naming the claim', async () => {
  const dir = await podDir();
  try {
    await materializeVolumes(
      pod([{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }]),
      dir,
      none,
      none,
    );
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, VolumeSetupError);
    assert.match((e as Error).message, 'persistentVolumeClaim "data-db-0" is missing or not bound');
  }
});

test('configMap: all keys, binaryData, defaultMode; secret decoded', async () => {
  const dir = await podDir();
  const paths = await materializeVolumes(
    pod([
      { name: 'c', configMap: { name: 'cfg', defaultMode: 0o600 } },
      { name: 's', secret: { secretName: 'sec' } },
    ]),
    dir,
    new Map([['cfg', cm({ 'a.conf': 'A', b: 'B' }, { bin: Buffer.from([0, 1, 2]).toString('base64') })]]),
    new Map([['sec', secret]]),
  );
  assert.is(await fs.readFile(join(paths.c, 'a.conf'), 'utf8'), 'A');
  assert.is(await fs.readFile(join(paths.c, 'b'), 'utf8'), 'B');
  assert.equal([...(await fs.readFile(join(paths.c, 'bin')))], [0, 1, 2]);
  assert.is((await fs.stat(join(paths.c, 'a.conf'))).mode & 0o777, 0o600);
  assert.is(await fs.readFile(join(paths.s, 'pw'), 'utf8'), 'hunter2');
  assert.is((await fs.stat(join(paths.s, 'pw'))).mode & 0o777, 0o644);
  const visible = (await fs.readdir(paths.c)).filter((n) => !n.startsWith('..')).sort();
  assert.equal(visible, ['a.conf', 'b', 'bin']);
});

test('configMap items map keys to nested paths; missing key fails unless optional', async () => {
  const dir = await podDir();
  const cms = new Map([['cfg', cm({ a: 'A', b: 'B' })]]);
  const paths = await materializeVolumes(
    pod([{ name: 'c', configMap: { name: 'cfg', items: [{ key: 'a', path: 'sub/dir/file-a' }] } }]),
    dir,
    cms,
    none,
  );
  assert.is(await fs.readFile(join(paths.c, 'sub/dir/file-a'), 'utf8'), 'A');
  assert.equal(
    (await fs.readdir(paths.c)).filter((n) => !n.startsWith('..')),
    ['sub'],
  );
  try {
    await materializeVolumes(
      pod([{ name: 'c2', configMap: { name: 'cfg', items: [{ key: 'zz', path: 'z' }] } }]),
      dir,
      cms,
      none,
    );
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, VolumeSetupError);
    assert.match((e as Error).message, /non-existent config key: zz/);
  }
  const ok = await materializeVolumes(
    pod([{ name: 'c3', configMap: { name: 'cfg', optional: true, items: [{ key: 'zz', path: 'z' }] } }]),
    dir,
    cms,
    none,
  );
  assert.equal(
    (await fs.readdir(ok.c3)).filter((n) => !n.startsWith('..')),
    [],
  );
});

test('missing configMap/secret fails unless optional; bad item path refused', async () => {
  const dir = await podDir();
  for (const v of [
    { name: 'c', configMap: { name: 'nope' } },
    { name: 's', secret: { secretName: 'nope' } },
  ] as Volume[]) {
    try {
      await materializeVolumes(pod([v]), dir, none, none);
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, VolumeSetupError);
      assert.match((e as Error).message, /"nope" not found/);
    }
  }
  const p = await materializeVolumes(
    pod([{ name: 'o', configMap: { name: 'nope', optional: true } }]),
    dir,
    none,
    none,
  );
  assert.ok((await fs.stat(p.o)).isDirectory());
  try {
    await materializeVolumes(
      pod([{ name: 'x', configMap: { name: 'cfg', items: [{ key: 'a', path: '../escape' }] } }]),
      dir,
      new Map([['cfg', cm({ a: 'A' })]]),
      none,
    );
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, VolumeSetupError);
  }
});

test('update swaps the content atomically through ..data and drops removed keys', async () => {
  const dir = await podDir();
  const vol = pod([{ name: 'c', configMap: { name: 'cfg' } }]);
  const paths = await materializeVolumes(vol, dir, new Map([['cfg', cm({ a: '1', b: '2' })]]), none);
  const first = await fs.readlink(join(paths.c, '..data'));
  // Unchanged content: no new generation.
  await materializeVolumes(vol, dir, new Map([['cfg', cm({ a: '1', b: '2' })]]), none);
  assert.is(await fs.readlink(join(paths.c, '..data')), first);

  await materializeVolumes(vol, dir, new Map([['cfg', cm({ a: '3', c: '4' })]]), none);
  const second = await fs.readlink(join(paths.c, '..data'));
  assert.is.not(second, first);
  assert.is(await fs.readFile(join(paths.c, 'a'), 'utf8'), '3');
  assert.is(await fs.readFile(join(paths.c, 'c'), 'utf8'), '4');
  const entries = (await fs.readdir(paths.c)).sort();
  assert.equal(entries, ['..data', second, 'a', 'c'].sort());
  assert.is(await fs.readlink(join(paths.c, 'a')), '..data/a');
});

test.run();
