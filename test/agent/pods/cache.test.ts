import { writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPodCache, PodCacheError, podCachePath, savePodCache } from '../../../agent/pods/cache.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';

test.after(() => cleanupTempDirs());

test('missing cache: undefined', async () => {
  assert.is(await loadPodCache(tempDir()), undefined);
});

test('round trip with configMaps and secrets', async () => {
  const d = tempDir();
  const state = {
    v: 1,
    revision: 7,
    pods: [],
    configMaps: [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap' as const,
        metadata: { name: 'a', namespace: 'x' },
        data: { k: 'v' },
      },
    ],
    secrets: [
      {
        apiVersion: 'v1',
        kind: 'Secret' as const,
        metadata: { name: 's', namespace: 'x' },
        data: { k: 'dg==' },
      },
    ],
  };
  await savePodCache(d, state);
  assert.equal(await loadPodCache(d), state);
});

for (const [name, text] of [
  ['not JSON', '{'],
  ['no revision', '{"pods":[]}'],
  ['pods not a list', '{"revision":1,"pods":{}}'],
] as const) {
  test(`damaged cache (${name}): PodCacheError`, async () => {
    const d = tempDir();
    writeFileSync(podCachePath(d), text);
    try {
      await loadPodCache(d);
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, PodCacheError);
    }
  });
}

test.run();
