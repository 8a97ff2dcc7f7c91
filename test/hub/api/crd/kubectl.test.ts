// CustomResourceDefinitions through the real kubectl against a real `drover hub` process
// (issue #17 item 4): a Sensor CRD with two versions is applied and becomes Established;
// custom objects are applied, printed with the CRD's columns, described, patched, watched,
// applied server-side, explained; an invalid one is refused naming each field and nothing is
// stored; deleting the CRD deletes its objects.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type HubProcess,
  killAll,
  kubectl,
  parseTable,
  startHubProcess,
  trackProcess,
} from '../../../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../../../helpers/tmp.js';
import { waitFor } from '../../../helpers/wait.js';
import { type Sensor, SENSOR_CRD_NAME, sensorCrdYaml, sensorYaml } from './fixtures.js';

let hub: HubProcess;
let dir: string;

test.before(async () => {
  hub = await startHubProcess();
  dir = tempDir('drover-crd-');
});
test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

const k = (...args: string[]) => kubectl(args, { kubeconfig: hub.kubeconfig, timeoutMs: 60_000 });

let files = 0;
/** kubectl ARGS -f <yaml in a file>. */
async function withFile(yaml: string, ...args: string[]) {
  const f = join(dir, `m${files++}.yaml`);
  writeFileSync(f, yaml);
  return k(...args, '-f', f);
}

function ok(r: { code: number; stdout: string; stderr: string }, what: string): string {
  assert.is(r.code, 0, `${what}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function sensorJson(name: string, ns = 'default'): Promise<Sensor> {
  return JSON.parse(ok(await k('get', 'sensor', name, '-n', ns, '-o', 'json'), `get ${name}`));
}

test('a CRD becomes Established and its versions appear in discovery', async () => {
  ok(await withFile(sensorCrdYaml(), 'apply'), 'apply CRD');
  ok(await k('wait', '--for', 'condition=established', `crd/${SENSOR_CRD_NAME}`, '--timeout=30s'), 'wait');
  const crd = JSON.parse(ok(await k('get', 'crd', SENSOR_CRD_NAME, '-o', 'json'), 'get crd'));
  const cond = (t: string) => crd.status.conditions.find((c: { type: string }) => c.type === t);
  assert.is(cond('NamesAccepted').status, 'True');
  assert.is(cond('Established').reason, 'InitialNamesAccepted');
  assert.equal(crd.status.storedVersions, ['v1']);
  assert.ok(crd.metadata.finalizers.includes('customresourcecleanup.apiextensions.k8s.io'));
  const rows = parseTable(ok(await k('api-resources', '--api-group=fleet.example.com'), 'api-resources'));
  assert.equal(rows, [
    {
      NAME: 'sensors',
      SHORTNAMES: 'sn',
      APIVERSION: 'fleet.example.com/v1',
      NAMESPACED: 'true',
      KIND: 'Sensor',
    },
  ]);
  const group = JSON.parse(ok(await k('get', '--raw', '/apis/fleet.example.com'), 'group'));
  assert.equal(
    group.versions.map((v: { version: string }) => v.version),
    ['v1', 'v1beta1'],
  );
  assert.is(group.preferredVersion.version, 'v1');
  const v1 = JSON.parse(ok(await k('get', '--raw', '/apis/fleet.example.com/v1'), 'v1'));
  assert.equal(
    v1.resources.map((r: { name: string }) => r.name),
    ['sensors', 'sensors/status'],
  );
  assert.equal(v1.resources[0].categories, ['fleet']);
});

test('kubectl apply and get: defaults filled in, printer columns, short name and category', async () => {
  ok(await withFile(sensorYaml('s1', '  location: lab-1\n  threshold: 5%'), 'apply'), 'apply s1');
  const s = await sensorJson('s1');
  assert.is(s.spec.intervalSeconds, 60, 'default of intervalSeconds');
  assert.is(s.spec.mode, 'poll', 'default of mode');
  assert.is(s.spec.threshold, '5%');
  for (const what of ['sensors', 'sn', 'fleet']) {
    const rows = parseTable(ok(await k('get', what), `get ${what}`));
    const row = rows.find((r) => r.NAME === 's1' || r.NAME === 'sensor.fleet.example.com/s1');
    assert.ok(row, `${what}: ${JSON.stringify(rows)}`);
    if (what !== 'fleet') {
      assert.is(row.LOCATION, 'lab-1');
      assert.is(row.INTERVAL, '60');
      assert.match(row.AGE, /^\d+s$/);
    }
  }
});

test('an invalid Sensor is refused naming each field, and nothing is stored', async () => {
  const r = await withFile(
    sensorYaml('bad', '  location: Lab_1\n  intervalSeconds: 0\n  mode: sometimes\n  threshold: [1]'),
    'apply',
  );
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /The Sensor "bad" is invalid/);
  assert.match(
    r.stderr,
    /spec\.intervalSeconds: Invalid value: 0: spec\.intervalSeconds in body should be greater than or equal to 1/,
  );
  assert.match(r.stderr, /spec\.location: Invalid value: "Lab_1": spec\.location in body should match/);
  assert.match(r.stderr, /spec\.mode: Unsupported value: "sometimes": supported values: "poll", "push"/);
  assert.match(r.stderr, /spec\.threshold: Invalid value: "array"/);
  const missing = await withFile(sensorYaml('nolocation', '  mode: poll'), 'apply');
  assert.match(missing.stderr, /spec\.location: Required value/);
  const get = await k('get', 'sensors', 'bad', 'nolocation');
  assert.match(get.stderr, /sensors.fleet.example.com "bad" not found/);
  assert.match(get.stderr, /sensors.fleet.example.com "nolocation" not found/);
});

test('unknown fields: refused under strict validation, pruned with --validate=false, kept where the schema preserves them', async () => {
  const yaml = sensorYaml('s2', '  location: lab-2\n  bogus: 1\n  extra:\n    anything: goes');
  const strict = await withFile(yaml, 'apply');
  assert.is.not(strict.code, 0);
  assert.match(strict.stderr, /unknown field "spec.bogus"/);
  ok(await withFile(yaml, 'apply', '--validate=false'), 'apply --validate=false');
  const s = await sensorJson('s2');
  assert.is(s.spec.bogus, undefined, 'pruned');
  assert.equal(s.spec.extra, { anything: 'goes' }, 'x-kubernetes-preserve-unknown-fields');
});

test('patches: merge and JSON patch; strategic refused as upstream; status only through its subresource', async () => {
  ok(await k('patch', 'sensor', 's1', '--type=merge', '-p', '{"spec":{"intervalSeconds":30}}'), 'merge');
  ok(
    await k(
      'patch',
      'sensor',
      's1',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/mode","value":"push"}]',
    ),
    'json',
  );
  const smp = await k('patch', 'sensor', 's1', '-p', '{"spec":{"intervalSeconds":31}}');
  assert.is.not(smp.code, 0);
  assert.match(smp.stderr, /application\/strategic-merge-patch\+json is not supported/);
  const invalid = await k('patch', 'sensor', 's1', '--type=merge', '-p', '{"spec":{"intervalSeconds":9999}}');
  assert.match(invalid.stderr, /spec\.intervalSeconds in body should be less than or equal to 3600/);
  // Status through the main resource is ignored; through the subresource it is written.
  ok(await k('patch', 'sensor', 's1', '--type=merge', '-p', '{"status":{"reading":1}}'), 'main status');
  assert.is((await sensorJson('s1')).status, undefined);
  ok(
    await k(
      'patch',
      'sensor',
      's1',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"reading":21.5}}',
    ),
    'status',
  );
  const s = await sensorJson('s1');
  assert.is(s.spec.intervalSeconds, 30);
  assert.is(s.spec.mode, 'push');
  assert.is(s.status?.reading, 21.5);
  assert.is(s.metadata.generation, 3, 'spec changes bump generation, status ones do not');
  const row = parseTable(ok(await k('get', 'sensor', 's1'), 'get'))[0];
  assert.is(row.READING, '21.5');
  const d = ok(await k('describe', 'sensor', 's1'), 'describe');
  assert.match(d, /Kind:\s+Sensor/);
  assert.match(d, /Interval Seconds:\s+30/);
  assert.match(d, /Reading:\s+21\.5/);
});

test('server-side apply: managed fields, a conflict with another manager, --force-conflicts', async () => {
  const yaml = sensorYaml('ssa', '  location: lab-3\n  intervalSeconds: 10');
  ok(await withFile(yaml, 'apply', '--server-side', '--field-manager=alice'), 'alice');
  const conflict = await withFile(
    sensorYaml('ssa', '  location: lab-3\n  intervalSeconds: 20'),
    'apply',
    '--server-side',
    '--field-manager=bob',
  );
  assert.is.not(conflict.code, 0);
  assert.match(conflict.stderr, /conflict with "alice"/);
  assert.match(conflict.stderr, /\.spec\.intervalSeconds/);
  ok(
    await withFile(
      sensorYaml('ssa', '  location: lab-3\n  intervalSeconds: 20'),
      'apply',
      '--server-side',
      '--field-manager=bob',
      '--force-conflicts',
    ),
    'bob forces',
  );
  const s = JSON.parse(ok(await k('get', 'sensor', 'ssa', '-o', 'json', '--show-managed-fields'), 'get'));
  assert.is(s.spec.intervalSeconds, 20);
  const managers = s.metadata.managedFields.map((m: { manager: string }) => m.manager).sort();
  assert.equal(managers, ['alice', 'bob']);
});

test('kubectl get -w sees a custom object change', async () => {
  const w = trackProcess(
    spawn('kubectl', ['--kubeconfig', hub.kubeconfig, 'get', 'sensors', '-w', '--output-watch-events'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  try {
    await waitFor(() => /s1\s/.test(w.output()), { what: 'the initial list', timeoutMs: 20_000 });
    ok(await k('patch', 'sensor', 's1', '--type=merge', '-p', '{"spec":{"intervalSeconds":45}}'), 'patch');
    ok(await withFile(sensorYaml('watched', '  location: lab-4'), 'apply'), 'create');
    ok(await k('delete', 'sensor', 'watched'), 'delete');
    await waitFor(() => /MODIFIED\s+s1\s+lab-1\s+45/.test(w.output()), {
      what: 'MODIFIED s1',
      timeoutMs: 20_000,
    });
    await waitFor(() => /ADDED\s+watched\s/.test(w.output()), { what: 'ADDED watched', timeoutMs: 20_000 });
    await waitFor(() => /DELETED\s+watched\s/.test(w.output()), {
      what: 'DELETED watched',
      timeoutMs: 20_000,
    });
  } finally {
    await w.stop();
  }
});

test('label and field selectors on custom objects', async () => {
  ok(
    await withFile(sensorYaml('other', '  location: lab-5').replace('room: lab', 'room: hall'), 'apply'),
    'apply',
  );
  const hall = parseTable(ok(await k('get', 'sensors', '-l', 'room=hall'), 'get -l')).map((r) => r.NAME);
  assert.equal(hall, ['other']);
  const byName = parseTable(ok(await k('get', 'sensors', '--field-selector', 'metadata.name=s1'), 'fs')).map(
    (r) => r.NAME,
  );
  assert.equal(byName, ['s1']);
  const bad = await k('get', 'sensors', '--field-selector', 'spec.location=lab-1');
  assert.match(bad.stderr, /field label not supported: spec.location/);
});

test('kubectl explain reads the CRD schema, descriptions included', async () => {
  const out = ok(await k('explain', 'sensor.spec'), 'explain');
  assert.match(out, /GROUP:\s+fleet\.example\.com\nKIND:\s+Sensor\nVERSION:\s+v1/);
  assert.match(out, /What the sensor reads and how often\./);
  assert.match(out, /location\s+<string> -required-\n\s+Where the sensor sits\./);
  assert.match(out, /intervalSeconds\s+<integer>/);
  assert.match(out, /enum: poll, push/);
  const top = ok(await k('explain', 'sensors'), 'explain sensors');
  assert.match(top, /A Sensor is a probe on a board\./);
  assert.match(top, /metadata\s+<ObjectMeta>|metadata\s+<Object>/);
});

test('the second version serves the same objects under its own apiVersion', async () => {
  const v1beta1 = JSON.parse(
    ok(await k('get', 'sensors.v1beta1.fleet.example.com', 's1', '-o', 'json'), 'get'),
  );
  assert.is(v1beta1.apiVersion, 'fleet.example.com/v1beta1');
  assert.is(v1beta1.spec.location, 'lab-1');
  ok(await withFile(sensorYaml('beta', '  location: lab-6', 'v1beta1'), 'apply'), 'create through v1beta1');
  const v1 = await sensorJson('beta');
  assert.is(v1.apiVersion, 'fleet.example.com/v1');
  assert.is(v1.spec.intervalSeconds, 60);
});

test('server dry-run creates nothing', async () => {
  const r = ok(
    await withFile(sensorYaml('dry', '  location: lab-7'), 'apply', '--dry-run=server'),
    'dry-run',
  );
  assert.match(r, /created \(server dry run\)/);
  assert.match((await k('get', 'sensor', 'dry')).stderr, /not found/);
});

test('deleting the CRD deletes its objects, and the kind stops being served', async () => {
  ok(await k('create', 'namespace', 'far'), 'ns');
  ok(await withFile(sensorYaml('far-1', '  location: far'), 'apply', '-n', 'far'), 'far-1');
  const before = parseTable(ok(await k('get', 'sensors', '-A'), 'get -A')).length;
  assert.ok(before >= 5, `objects before: ${before}`);
  ok(await k('delete', 'crd', SENSOR_CRD_NAME, '--timeout=60s'), 'delete crd');
  const gone = await k('get', '--raw', '/apis/fleet.example.com/v1/sensors');
  assert.match(gone.stderr, /NotFound|not find the requested resource/);
  // A new CRD of the same name starts empty: the objects were deleted from the store.
  ok(await withFile(sensorCrdYaml(), 'apply'), 'apply again');
  ok(await k('wait', '--for', 'condition=established', `crd/${SENSOR_CRD_NAME}`, '--timeout=30s'), 'wait');
  const after = await k('get', 'sensors', '-A');
  assert.is(after.code, 0, after.stderr);
  assert.match(after.stderr, /No resources found/);
});

test.run();
