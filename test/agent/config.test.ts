import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AGENT_DEFAULTS, AgentConfigError, loadAgentConfig, sanitizeNodeName } from '../../agent/config.js';
import { parseDurationMs } from '../../agent/duration.js';
import { FlagError } from '../../agent/flags.js';

const HUB = ['--hub', 'mqtt://127.0.0.1:1883'];

const bad: [string, string[], string, RegExp][] = [
  ['missing hub', [], '--hub', /required/],
  ['http url', ['--hub', 'http://x:1'], '--hub', /not an MQTT URL/],
  ['not a url', ['--hub', 'hub.local'], '--hub', /not a URL/],
  ['uppercase name', [...HUB, '--name', 'Board1'], '--name', /not a valid node name/],
  ['name with slash', [...HUB, '--name', 'a/b'], '--name', /not a valid node name/],
  ['name too long', [...HUB, '--name', 'a'.repeat(254)], '--name', /not a valid node name/],
  ['label without =', [...HUB, '--labels', 'zone'], '--labels', /key=value/],
  ['label bad key', [...HUB, '--labels', '-x=1'], '--labels', /key/],
  ['label bad prefix', [...HUB, '--labels', 'Ex_ample/x=1'], '--labels', /prefix/],
  ['label a board may not set', [...HUB, '--labels', 'example.com/tier=edge'], '--labels', /may not set/],
  [
    'control-plane role label',
    [...HUB, '--labels', 'node-role.kubernetes.io/control-plane='],
    '--labels',
    /may not set/,
  ],
  ['label bad value', [...HUB, '--labels', 'a=b c'], '--labels', /value/],
  ['label value too long', [...HUB, '--labels', `a=${'v'.repeat(64)}`], '--labels', /value/],
  ['bad token', [...HUB, '--token', 'secret'], '--token', /abcdef\.0123456789abcdef/],
  ['bad duration', [...HUB, '--heartbeat-interval', 'often'], '--heartbeat-interval', /not a duration/],
  ['duration too short', [...HUB, '--status-interval', '5ms'], '--status-interval', /too short/],
  [
    'runtime retry past its cap',
    [...HUB, '--runtime-retry-base', '2m'],
    '--runtime-retry-base',
    /longer than/,
  ],
  ['metrics interval not a duration', [...HUB, '--metrics-interval', 'often'], '--metrics-interval', /./],
  ['stray argument', [...HUB, 'extra'], 'arguments', /unexpected/],
  ['hub list with a bad url', ['--hub', 'mqtts://a:8883,hub.local'], '--hub', /not a URL/],
  [
    'hub list mixing tls and plain',
    ['--hub', 'mqtts://a:8883,mqtt://b:1883'],
    '--hub',
    /mix of TLS and plain/,
  ],
  ['hub listed twice', ['--hub', 'mqtts://a:8883,mqtts://a:8883'], '--hub', /listed twice/],
  ['hub list of commas', ['--hub', ',,'], '--hub', /required/],
  [
    'gc threshold not a number',
    [...HUB, '--image-gc-high-threshold', 'lots'],
    '--image-gc-high-threshold',
    /whole percent/,
  ],
  [
    'gc threshold fractional',
    [...HUB, '--image-gc-low-threshold', '79.5'],
    '--image-gc-low-threshold',
    /whole percent/,
  ],
  [
    'gc threshold above 100',
    [...HUB, '--image-gc-high-threshold', '101'],
    '--image-gc-high-threshold',
    /between 0 and 100/,
  ],
  [
    'gc low not below high',
    [...HUB, '--image-gc-high-threshold', '70', '--image-gc-low-threshold', '70'],
    '--image-gc-low-threshold',
    /less than --image-gc-high-threshold 70/,
  ],
  ['gc minimum age', [...HUB, '--image-minimum-gc-age', 'old'], '--image-minimum-gc-age', /not a duration/],
  [
    'eviction threshold',
    [...HUB, '--eviction-hard', 'memory.available=1Gi'],
    '--eviction-hard',
    /signal<quantity/,
  ],
  [
    'transition period',
    [...HUB, '--eviction-pressure-transition-period', 'soon'],
    '--eviction-pressure-transition-period',
    /not a duration/,
  ],
  [
    'relative pods cgroup',
    [...HUB, '--pods-cgroup', 'drover'],
    '--pods-cgroup',
    /not an absolute cgroup path/,
  ],
  [
    'pods cgroup escaping',
    [...HUB, '--pods-cgroup', '/a/../b c'],
    '--pods-cgroup',
    /not an absolute cgroup path/,
  ],
];

for (const [name, argv, option, msg] of bad) {
  test(`rejects ${name}`, () => {
    try {
      loadAgentConfig(argv, {});
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, AgentConfigError);
      assert.is((e as AgentConfigError).option, option);
      assert.match((e as Error).message, msg);
    }
  });
}

test('image GC: kubelet defaults, and flags', () => {
  assert.equal(loadAgentConfig(HUB, {}).imageGc, {
    highThresholdPercent: 85,
    lowThresholdPercent: 80,
    minAgeMs: 120_000,
  });
  const c = loadAgentConfig(
    [
      ...HUB,
      '--image-gc-high-threshold',
      '60',
      '--image-gc-low-threshold',
      '40',
      '--image-minimum-gc-age',
      '0s',
    ],
    {},
  );
  assert.equal(c.imageGc, { highThresholdPercent: 60, lowThresholdPercent: 40, minAgeMs: 0 });
  assert.is(c.imageGcPeriodMs, 300_000);
});

test('unknown flag and missing value are flag errors', () => {
  assert.throws(
    () => loadAgentConfig([...HUB, '--nope'], {}),
    (e: unknown) => e instanceof FlagError,
  );
  assert.throws(
    () => loadAgentConfig(['--hub'], {}),
    (e: unknown) => e instanceof FlagError,
  );
});

test('defaults', () => {
  const c = loadAgentConfig(HUB, {});
  assert.is(c.dataDir, AGENT_DEFAULTS.dataDir);
  assert.is(c.heartbeatIntervalMs, 10_000);
  assert.is(c.statusIntervalMs, 60_000);
  assert.is(c.metricsIntervalMs, 15_000);
  assert.is(loadAgentConfig([...HUB, '--metrics-interval', '2s'], {}).metricsIntervalMs, 2000);
  assert.is(c.runtimeRetryBaseMs, 2000);
  assert.is(loadAgentConfig(HUB, { DROVER_RUNTIME_RETRY_BASE: '500ms' }).runtimeRetryBaseMs, 500);
  assert.is(c.dockerSocket, '/var/run/docker.sock');
  assert.equal(c.labels, {});
  assert.is(c.token, undefined);
  assert.ok(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(c.nodeName), c.nodeName);
});

test('precedence: flags over env over file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drover-cfg-'));
  try {
    const file = join(dir, 'agent.json');
    writeFileSync(
      file,
      JSON.stringify({
        hub: 'mqtt://file:1',
        name: 'from-file',
        labels: { a: 'b' },
        heartbeatInterval: 2000,
        dataDir: '/d',
      }),
    );
    const c = loadAgentConfig(['--config', file, '--name', 'from-flag'], {
      DROVER_NODE_NAME: 'from-env',
      DROVER_HUB: 'mqtt://env:2',
      DROVER_TOKEN: 'abcdef.0123456789abcdef',
    });
    assert.is(c.nodeName, 'from-flag');
    assert.equal(c.hubUrls, ['mqtt://env:2']);
    assert.equal(c.labels, { 'drover.io/a': 'b' });
    assert.is(c.heartbeatIntervalMs, 2000);
    assert.is(c.dataDir, '/d');
    assert.is(c.token, 'abcdef.0123456789abcdef');
    writeFileSync(file, JSON.stringify({ hub: 'mqtt://x:1', colour: 'red' }));
    assert.throws(() => loadAgentConfig(['--config', file], {}), /unknown key "colour"/);
    writeFileSync(file, '{not json');
    assert.throws(() => loadAgentConfig(['--config', file], {}), /not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('labels and durations parse', () => {
  const c = loadAgentConfig(
    [...HUB, '--labels', 'zone=lab, topology.kubernetes.io/region=eu,empty=', '--heartbeat-interval=1.5s'],
    {},
  );
  assert.equal(c.labels, {
    'drover.io/zone': 'lab',
    'topology.kubernetes.io/region': 'eu',
    'drover.io/empty': '',
  });
  assert.is(c.heartbeatIntervalMs, 1500);
  const cases: [string, number | undefined][] = [
    ['250ms', 250],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['400', 400],
    ['1d', undefined],
    ['', undefined],
  ];
  for (const [s, ms] of cases) assert.is(parseDurationMs(s), ms, s);
});

test('hostname sanitized to DNS-1123', () => {
  const cases: [string, string][] = [
    ['MyBoard', 'myboard'],
    ['rpi_4.local', 'rpi-4.local'],
    ['-x-', 'x'],
    ['__', 'node'],
    ['a..b', 'a.b'],
  ];
  for (const [h, want] of cases) assert.is(sanitizeNodeName(h), want, h);
});

test('hub lists: a comma-separated flag or env value, a JSON list or a string in the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drover-agent-cfg-'));
  try {
    const file = join(dir, 'agent.json');
    const cases: [string, string[], NodeJS.ProcessEnv, unknown, string[]][] = [
      ['one flag value', ['--hub', 'mqtts://a:8883'], {}, undefined, ['mqtts://a:8883']],
      [
        'flag list',
        ['--hub', 'mqtts://a:8883, mqtts://b:8883'],
        {},
        undefined,
        ['mqtts://a:8883', 'mqtts://b:8883'],
      ],
      ['env list', [], { DROVER_HUB: 'mqtt://a:1,mqtt://b:2' }, undefined, ['mqtt://a:1', 'mqtt://b:2']],
      [
        'file list',
        [],
        {},
        ['mqtts://a:8883', 'mqtts://b:8883', 'mqtts://c:8883'],
        ['mqtts://a:8883', 'mqtts://b:8883', 'mqtts://c:8883'],
      ],
      ['file string', [], {}, 'mqtts://a:8883', ['mqtts://a:8883']],
      ['flag over file list', ['--hub', 'mqtts://z:8883'], {}, ['mqtts://a:8883'], ['mqtts://z:8883']],
    ];
    for (const [what, argv, env, inFile, want] of cases) {
      writeFileSync(file, JSON.stringify(inFile === undefined ? {} : { hub: inFile }));
      assert.equal(loadAgentConfig(['--config', file, ...argv], env).hubUrls, want, what);
    }
    for (const v of [[], [1], { a: 'mqtt://a:1' }, ['mqtt://a:1', 'mqtts://b:2']]) {
      writeFileSync(file, JSON.stringify({ hub: v }));
      assert.throws(
        () => loadAgentConfig(['--config', file], {}),
        (e: Error) => e instanceof AgentConfigError,
        JSON.stringify(v),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
