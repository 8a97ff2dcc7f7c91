// RefIndex (pure): the pods that reference a ConfigMap, Secret or claim, kept through adds and
// removes, and nothing left behind once the pods go.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { podRefs } from '../../../hub/gateway/pod-refs.js';
import { RefIndex } from '../../../hub/gateway/ref-index.js';
import type { Pod } from '../../../shared/api/types.js';

function pod(name: string, spec: Partial<Pod['spec']>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns' },
    spec: { containers: [{ name: 'c', image: 'x' }], ...spec },
  };
}

const a = pod('a', {
  volumes: [
    { name: 'cfg', configMap: { name: 'cfg' } },
    { name: 'data', persistentVolumeClaim: { claimName: 'data-a' } },
  ],
  imagePullSecrets: [{ name: 'pull' }],
});
const b = pod('b', {
  containers: [
    { name: 'c', image: 'x', envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'pw' } }] },
  ],
});
const plain = pod('plain', {});

test('each kind answers the pods that reference the key; removal forgets them', () => {
  const idx = new RefIndex();
  for (const p of [a, b, plain]) idx.add(`ns/${p.metadata.name}`, podRefs(p));
  const of = (kind: 'configMaps' | 'secrets' | 'claims', key: string) =>
    [...idx.referencing(kind, key)].sort();
  assert.equal(of('configMaps', 'ns/cfg'), ['ns/a', 'ns/b']);
  assert.equal(of('secrets', 'ns/pull'), ['ns/a']);
  assert.equal(of('secrets', 'ns/pw'), ['ns/b']);
  assert.equal(of('claims', 'ns/data-a'), ['ns/a']);
  assert.equal(of('configMaps', 'ns/pw'), [], 'kinds are apart');
  assert.equal(of('configMaps', 'other/cfg'), [], 'namespaces are apart');
  idx.remove('ns/a', podRefs(a));
  assert.equal(of('configMaps', 'ns/cfg'), ['ns/b']);
  assert.equal(of('claims', 'ns/data-a'), []);
  idx.remove('ns/b', podRefs(b));
  idx.remove('ns/plain', podRefs(plain));
  assert.is(idx.size(), 0, 'no empty entries kept');
});

test.run();
