import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Container, Pod } from '../../../shared/api/types.js';
import { buildContainerSpec, type ContainerSpecInput } from '../../../agent/runtime/container-spec.js';
import { toDockerCreateBody } from '../../../agent/runtime/docker-body.js';
import { CreateContainerConfigError } from '../../../agent/runtime/errors.js';
import { containerHash, parseContainerName } from '../../../agent/runtime/labels.js';

function pod(
  spec: Partial<Pod['spec']> = {},
  containers: Container[] = [{ name: 'app', image: 'busybox:1' }],
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'prod', uid: 'uid-123' },
    spec: { containers, nodeName: 'pi-1', ...spec },
  };
}

function input(
  c: Partial<Container>,
  p: Pod = pod(),
  extra: Partial<ContainerSpecInput> = {},
): ContainerSpecInput {
  const container: Container = { name: 'app', image: 'busybox:1', ...c };
  return {
    node: 'pi-1',
    pod: { ...p, spec: { ...p.spec, containers: [container] } },
    container,
    attempt: 0,
    env: {},
    podDir: '/var/lib/drover/pods/uid-123',
    ...extra,
  };
}

const commandCases: {
  name: string;
  c: Partial<Container>;
  env?: Record<string, string>;
  entrypoint?: string[];
  cmd?: string[];
}[] = [
  { name: 'neither: image defaults', c: {} },
  {
    name: 'command only: entrypoint, image CMD dropped',
    c: { command: ['sleep'] },
    entrypoint: ['sleep'],
    cmd: [],
  },
  { name: 'args only: keeps image entrypoint', c: { args: ['-c', 'echo hi'] }, cmd: ['-c', 'echo hi'] },
  { name: 'both', c: { command: ['sh'], args: ['-c', 'x'] }, entrypoint: ['sh'], cmd: ['-c', 'x'] },
  { name: 'empty command is unset', c: { command: [], args: ['a'] }, cmd: ['a'] },
  {
    name: 'env expansion in command and args',
    c: { command: ['echo', '$(A)'], args: ['$(B)', '$$(A)', '$(MISSING)'] },
    env: { A: 'x', B: 'y' },
    entrypoint: ['echo', 'x'],
    cmd: ['y', '$(A)', '$(MISSING)'],
  },
];
for (const tc of commandCases) {
  test(`command/args: ${tc.name}`, () => {
    const s = buildContainerSpec(input(tc.c, pod(), { env: tc.env ?? {} }));
    assert.equal(s.entrypoint, tc.entrypoint);
    assert.equal(s.cmd, tc.cmd);
    const body = toDockerCreateBody(s);
    assert.equal(body.Entrypoint, tc.entrypoint);
    assert.equal(body.Cmd, tc.cmd);
  });
}

test('name and labels', () => {
  const s = buildContainerSpec(input({}, pod(), { attempt: 3 }));
  assert.is(s.name, 'drover_pi-1_prod_web-1_uid123_app_3');
  assert.equal(parseContainerName(s.name), {
    node: 'pi-1',
    namespace: 'prod',
    pod: 'web-1',
    podUID: '',
    container: 'app',
    attempt: 3,
  });
  assert.equal(s.labels, {
    'io.drover.node': 'pi-1',
    'io.drover.pod.uid': 'uid-123',
    'io.drover.pod.namespace': 'prod',
    'io.drover.pod.name': 'web-1',
    'io.drover.container.name': 'app',
    'io.drover.container.attempt': '3',
    'io.drover.container.hash': containerHash({ name: 'app', image: 'busybox:1' }),
  });
  assert.equal(toDockerCreateBody(s).Labels, s.labels);
  assert.is(toDockerCreateBody(s).name, s.name);
});

test('names with characters Docker refuses are made safe', () => {
  const s = buildContainerSpec(input({}, pod(), { node: 'pi 1:a' }));
  assert.is(s.name, 'drover_pi-1-a_prod_web-1_uid123_app_0');
  assert.match(s.name, /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
});

test('hash: stable under key order, changes with the spec', () => {
  const a: Container = { name: 'a', image: 'x:1', args: ['1'], env: [{ name: 'K', value: 'v' }] };
  const b = JSON.parse(
    '{"env":[{"value":"v","name":"K"}],"args":["1"],"image":"x:1","name":"a"}',
  ) as Container;
  assert.is(containerHash(a), containerHash(b));
  assert.is.not(containerHash(a), containerHash({ ...a, image: 'x:2' }));
  assert.is.not(containerHash(a), containerHash({ ...a, args: ['2'] }));
  assert.match(containerHash(a), /^[0-9a-f]{16}$/);
});

test('env, workingDir, hostname, restart policy, log rotation', () => {
  const s = buildContainerSpec(input({ workingDir: '/w' }, pod(), { env: { A: '1', B: 'x=y' } }));
  const body = toDockerCreateBody(s);
  assert.equal(body.Env, ['A=1', 'B=x=y']);
  assert.is(body.WorkingDir, '/w');
  assert.is(body.Hostname, 'web-1');
  assert.equal(body.HostConfig?.RestartPolicy, { Name: 'no' });
  assert.equal(body.HostConfig?.LogConfig, {
    Type: 'json-file',
    Config: { 'max-size': '10485760', 'max-file': '5' },
  });
  assert.is(body.HostConfig?.NetworkMode, 'bridge');
});

const portCases: {
  name: string;
  ports: Container['ports'];
  hostNetwork?: boolean;
  exposed?: object;
  bindings: object;
}[] = [
  { name: 'no ports', ports: undefined, exposed: {}, bindings: {} },
  {
    name: 'containerPort only: exposed, not published',
    ports: [{ containerPort: 80 }],
    exposed: { '80/tcp': {} },
    bindings: {},
  },
  {
    name: 'hostPort defaults hostIP 0.0.0.0',
    ports: [{ containerPort: 80, hostPort: 8080 }],
    exposed: { '80/tcp': {} },
    bindings: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] },
  },
  {
    name: 'udp with hostIP',
    ports: [{ containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' }],
    exposed: { '53/udp': {} },
    bindings: { '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }] },
  },
  {
    name: 'same port tcp and udp',
    ports: [
      { containerPort: 53, hostPort: 53, protocol: 'TCP' },
      { containerPort: 53, hostPort: 53, protocol: 'UDP' },
    ],
    exposed: { '53/tcp': {}, '53/udp': {} },
    bindings: {
      '53/tcp': [{ HostIp: '0.0.0.0', HostPort: '53' }],
      '53/udp': [{ HostIp: '0.0.0.0', HostPort: '53' }],
    },
  },
  {
    name: 'hostNetwork: nothing published',
    ports: [{ containerPort: 80, hostPort: 80 }],
    hostNetwork: true,
    exposed: undefined,
    bindings: {},
  },
];
for (const tc of portCases) {
  test(`ports: ${tc.name}`, () => {
    const body = toDockerCreateBody(
      buildContainerSpec(input({ ports: tc.ports }, pod({ hostNetwork: tc.hostNetwork }))),
    );
    assert.equal(body.ExposedPorts, tc.exposed);
    assert.equal(body.HostConfig?.PortBindings, tc.bindings);
    assert.is(body.HostConfig?.NetworkMode, tc.hostNetwork ? 'host' : 'bridge');
    if (tc.hostNetwork) assert.is(body.Hostname, undefined);
  });
}

test('networkMode override joins a sandbox and publishes nothing', () => {
  const s = buildContainerSpec(
    input({ ports: [{ containerPort: 80, hostPort: 81 }] }, pod(), { networkMode: 'container:abc' }),
  );
  const body = toDockerCreateBody(s);
  assert.is(body.HostConfig?.NetworkMode, 'container:abc');
  assert.equal(body.HostConfig?.PortBindings, {});
  assert.is(body.Hostname, undefined);
});

const limitCases: {
  name: string;
  resources: Container['resources'];
  nanoCpus?: number;
  cpuShares?: number;
  memory?: number;
}[] = [
  { name: 'none', resources: undefined },
  { name: 'cpu 500m', resources: { limits: { cpu: '500m' } }, nanoCpus: 5e8, cpuShares: 512 },
  {
    name: 'cpu 2 with request 250m',
    resources: { limits: { cpu: '2' }, requests: { cpu: '250m' } },
    nanoCpus: 2e9,
    cpuShares: 256,
  },
  { name: 'cpu 1.5', resources: { limits: { cpu: '1.5' } }, nanoCpus: 1.5e9, cpuShares: 1536 },
  {
    name: 'tiny cpu clamped to 10m, shares min 2',
    resources: { limits: { cpu: '1m' } },
    nanoCpus: 1e7,
    cpuShares: 2,
  },
  { name: 'memory 64Mi', resources: { limits: { memory: '64Mi' } }, memory: 64 * 1024 * 1024 },
  { name: 'memory 1G', resources: { limits: { memory: '1G' } }, memory: 1e9 },
  { name: 'memory 1.5Gi', resources: { limits: { memory: '1.5Gi' } }, memory: 1.5 * 2 ** 30 },
  { name: 'requests only', resources: { requests: { cpu: '100m', memory: '10Mi' } }, cpuShares: 102 },
];
for (const tc of limitCases) {
  test(`limits: ${tc.name}`, () => {
    const hc = toDockerCreateBody(buildContainerSpec(input({ resources: tc.resources }))).HostConfig;
    assert.is(hc?.NanoCpus, tc.nanoCpus);
    assert.is(hc?.CpuShares, tc.cpuShares);
    assert.is(hc?.Memory, tc.memory);
  });
}

test('limits: malformed quantity is a CreateContainerConfigError', () => {
  assert.throws(
    () => buildContainerSpec(input({ resources: { limits: { memory: 'lots' } } })),
    (e: unknown) => e instanceof CreateContainerConfigError && /lots/.test(e.message),
  );
});

const volumes: Pod['spec']['volumes'] = [
  { name: 'scratch', emptyDir: {} },
  { name: 'host', hostPath: { path: '/srv/data' } },
  { name: 'cfg', configMap: { name: 'app-config' } },
  { name: 'creds', secret: { secretName: 'app-secret' } },
];
const volumeCases: { name: string; mounts: Container['volumeMounts']; binds?: string[]; error?: RegExp }[] = [
  {
    name: 'emptyDir',
    mounts: [{ name: 'scratch', mountPath: '/tmp/s' }],
    binds: ['/p/volumes/empty-dir/scratch:/tmp/s'],
  },
  {
    name: 'hostPath read-only',
    mounts: [{ name: 'host', mountPath: '/data', readOnly: true }],
    binds: ['/srv/data:/data:ro'],
  },
  {
    name: 'configMap is always ro',
    mounts: [{ name: 'cfg', mountPath: '/etc/app' }],
    binds: ['/p/volumes/configmap/cfg:/etc/app:ro'],
  },
  {
    name: 'secret is always ro',
    mounts: [{ name: 'creds', mountPath: '/run/s' }],
    binds: ['/p/volumes/secret/creds:/run/s:ro'],
  },
  {
    name: 'subPath',
    mounts: [{ name: 'host', mountPath: '/x', subPath: 'a/b' }],
    binds: ['/srv/data/a/b:/x'],
  },
  {
    name: 'several',
    mounts: [
      { name: 'scratch', mountPath: '/a' },
      { name: 'host', mountPath: '/b' },
    ],
    binds: ['/p/volumes/empty-dir/scratch:/a', '/srv/data:/b'],
  },
  { name: 'unknown volume', mounts: [{ name: 'nope', mountPath: '/a' }], error: /volume "nope"/ },
  {
    name: 'subPath escaping',
    mounts: [{ name: 'host', mountPath: '/a', subPath: '../etc' }],
    error: /subPath/,
  },
  { name: 'relative mountPath', mounts: [{ name: 'host', mountPath: 'a' }], error: /absolute/ },
];
for (const tc of volumeCases) {
  test(`volumes: ${tc.name}`, () => {
    const make = () =>
      buildContainerSpec(input({ volumeMounts: tc.mounts }, pod({ volumes }), { podDir: '/p' }));
    if (tc.error) {
      const re = tc.error;
      assert.throws(make, (e: unknown) => e instanceof CreateContainerConfigError && re.test(e.message));
      return;
    }
    assert.equal(toDockerCreateBody(make()).HostConfig?.Binds, tc.binds);
  });
}

test('missing image is a CreateContainerConfigError', () => {
  assert.throws(
    () => buildContainerSpec(input({ image: '' })),
    (e: unknown) => e instanceof CreateContainerConfigError,
  );
});

test.run();
