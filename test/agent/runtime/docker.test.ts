import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Dockerode from 'dockerode';
import { get } from 'node:http';
import { DockerRuntime } from '../../../agent/runtime/docker.js';
import {
  ContainerNotFoundError,
  CreateContainerError,
  ImageNotPresentError,
  RuntimeUnavailableError,
  StartContainerError,
} from '../../../agent/runtime/errors.js';
import { LABEL_CONTAINER_NAME, LABEL_NODE, LABEL_POD_NAME } from '../../../agent/runtime/labels.js';
import { IMAGE, freePort, removeAll, specFor, uniqueNode, waitFor } from './helpers.js';

const rt = new DockerRuntime();
const raw = new Dockerode({ socketPath: '/var/run/docker.sock' });
const node = uniqueNode('docker');

test.after(async () => {
  await removeAll(rt, node);
});

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
  });
}

test('version', async () => {
  const v = await rt.version();
  assert.is(v.name, 'docker');
  assert.match(v.version, /^\d+\.\d+/);
  assert.ok(v.apiVersion && v.os && v.arch);
});

test('httpd with a hostPort answers; labels, listContainers, inspect, containerIP', async () => {
  const port = await freePort();
  const spec = specFor(node, {
    name: 'web',
    command: ['httpd', '-f', '-p', '80', '-h', '/www'],
    ports: [{ containerPort: 80, hostPort: port, hostIP: '127.0.0.1' }],
  });
  const id = await rt.createContainer(spec);
  assert.is((await rt.inspectContainer(id)).state, 'created');
  await rt.startContainer(id);
  await rt.startContainer(id); // already running: no error
  const body = await waitFor('httpd', () => httpGet(`http://127.0.0.1:${port}/`));
  assert.is(body, 'drover test page\n');

  const found = await rt.listContainers({ [LABEL_NODE]: node, [LABEL_CONTAINER_NAME]: 'web' });
  assert.is(found.length, 1);
  const c = found[0];
  assert.is(c.id, id);
  assert.is(c.name, spec.name);
  assert.is(c.state, 'running');
  assert.equal(c.labels, { ...c.labels, ...spec.labels });
  assert.is(c.labels[LABEL_POD_NAME], spec.labels[LABEL_POD_NAME]);
  assert.is(c.image, IMAGE);
  assert.match(c.imageID, /^sha256:/);
  assert.ok(c.startedAt && !c.finishedAt);
  assert.match((await rt.containerIP(id)) ?? '', /^\d+\.\d+\.\d+\.\d+$/);
  assert.is((await rt.listContainers({ [LABEL_NODE]: node, [LABEL_CONTAINER_NAME]: 'other' })).length, 0);
  assert.ok((await rt.listContainers({ [LABEL_NODE]: undefined })).some((x) => x.id === id));

  await rt.stopContainer(id, 0);
  await rt.stopContainer(id, 0); // already stopped: no error
  const stopped = await rt.inspectContainer(id);
  assert.is(stopped.state, 'exited');
  assert.ok(stopped.finishedAt);
  await rt.removeContainer(id);
  try {
    await rt.inspectContainer(id);
    assert.unreachable('removed');
  } catch (e) {
    assert.instance(e, ContainerNotFoundError);
  }
});

test('cpu and memory limits reach HostConfig', async () => {
  const id = await rt.createContainer(
    specFor(node, { command: ['sleep', '30'], resources: { limits: { cpu: '250m', memory: '64Mi' } } }),
  );
  const info = await raw.getContainer(id).inspect();
  assert.is(info.HostConfig.NanoCpus, 250_000_000);
  assert.is(info.HostConfig.Memory, 64 * 1024 * 1024);
  assert.is(info.HostConfig.CpuShares, 256);
  assert.equal(info.HostConfig.RestartPolicy, { Name: 'no', MaximumRetryCount: 0 });
  await rt.removeContainer(id, { force: true });
});

test('stop with grace: a SIGTERM trap exits early, an ignorer is killed after the grace', async () => {
  const trap = await rt.createContainer(
    specFor(node, {
      command: ['sh', '-c', 'trap "echo bye; exit 0" TERM; echo ready; while true; do sleep 0.1; done'],
    }),
  );
  const ignore = await rt.createContainer(
    specFor(node, { command: ['sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 0.1; done'] }),
  );
  await Promise.all([rt.startContainer(trap), rt.startContainer(ignore)]);
  for (const id of [trap, ignore]) await waitFor('ready', async () => (await logText(id)).includes('ready'));

  const grace = 3;
  const timed = async (id: string) => {
    const t0 = Date.now();
    await rt.stopContainer(id, grace);
    return Date.now() - t0;
  };
  const [tTrap, tIgnore] = await Promise.all([timed(trap), timed(ignore)]);
  assert.ok(tTrap < 2000, `trapping container took ${tTrap} ms`);
  assert.ok(
    tIgnore >= grace * 1000 - 300 && tIgnore < grace * 1000 + 5000,
    `ignoring container took ${tIgnore} ms`,
  );
  const a = await rt.inspectContainer(trap);
  const b = await rt.inspectContainer(ignore);
  assert.is(a.exitCode, 0);
  assert.is(b.exitCode, 137);
  assert.ok((await logText(trap)).includes('bye'));
});

async function logText(id: string, opts = {}): Promise<string> {
  const { stream } = await rt.logs(id, opts);
  let s = '';
  for await (const c of stream) s += String(c);
  return s;
}

test('logs: whole, tail, timestamps, stderr merged', async () => {
  const id = await rt.createContainer(
    specFor(node, {
      // stdout and stderr are copied to the log separately: the pauses make the order deterministic.
      command: [
        'sh',
        '-c',
        'for i in 1 2 3 4; do echo line$i; done; sleep 0.2; echo oops >&2; sleep 0.2; echo last',
      ],
    }),
  );
  await rt.startContainer(id);
  await waitFor('exit', async () => (await rt.inspectContainer(id)).state === 'exited');
  assert.is(await logText(id), 'line1\nline2\nline3\nline4\noops\nlast\n');
  assert.is(await logText(id, { tailLines: 2 }), 'oops\nlast\n');
  const ts = (await logText(id, { tailLines: 1, timestamps: true })).trim();
  assert.match(ts, /^\d{4}-\d\d-\d\dT\S+Z last$/);
  assert.is(await logText(id, { tailLines: 0 }), '');
});

test('logs: follow streams new lines until stop()', async () => {
  const id = await rt.createContainer(
    specFor(node, { command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.1; done'] }),
  );
  await rt.startContainer(id);
  const { stream, stop } = await rt.logs(id, { follow: true });
  let text = '';
  stream.on('data', (c) => {
    text += String(c);
  });
  const ended = new Promise<void>((resolve) => stream.on('end', resolve));
  await waitFor('three ticks', async () => text.includes('tick3\n'));
  stop();
  stop(); // idempotent
  await ended;
  const after = text.length;
  await new Promise((r) => setTimeout(r, 300)); // the stream must stay quiet once stopped
  assert.is(text.length, after);
  assert.ok(text.startsWith('tick1\ntick2\ntick3\n'));
  await rt.removeContainer(id, { force: true });
});

test('exec: exit code and output; timeout', async () => {
  const id = await rt.createContainer(specFor(node, { command: ['sleep', '60'] }));
  await rt.startContainer(id);
  const r = await rt.exec(id, ['sh', '-c', 'echo out; echo err >&2; exit 3'], 5000);
  assert.is(r.exitCode, 3);
  assert.is(r.output.split('\n').filter(Boolean).sort().join(','), 'err,out');
  const ok = await rt.exec(id, ['true'], 5000);
  assert.equal(ok, { exitCode: 0, output: '' });
  const t0 = Date.now();
  try {
    await rt.exec(id, ['sleep', '10'], 300);
    assert.unreachable('should time out');
  } catch (e) {
    assert.is((e as Error).name, 'ExecTimeoutError');
  }
  assert.ok(Date.now() - t0 < 3000);
  const missing = await rt.exec(id, ['/no/such/binary'], 5000);
  assert.ok(missing.exitCode !== 0);
  await rt.removeContainer(id, { force: true });
});

test('typed errors: missing container, missing image, bad config, failed start, daemon unavailable', async () => {
  for (const op of [
    () => rt.startContainer('drover-no-such-container'),
    () => rt.stopContainer('drover-no-such-container', 1),
    () => rt.removeContainer('drover-no-such-container'),
    () => rt.inspectContainer('drover-no-such-container'),
    () => rt.logs('drover-no-such-container'),
  ]) {
    try {
      await op();
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, ContainerNotFoundError);
    }
  }
  try {
    await rt.createContainer(specFor(node, { image: 'drover-test/not-here:1' }));
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, ImageNotPresentError);
  }
  try {
    await rt.createContainer({ ...specFor(node, {}), memoryBytes: 1024 }); // below Docker's 6 MB minimum
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, CreateContainerError);
  }
  const bad = await rt.createContainer(specFor(node, { command: ['/no/such/binary'] }));
  try {
    await rt.startContainer(bad);
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, StartContainerError);
    assert.is((e as StartContainerError).kubeReason, 'RunContainerError');
  }
  const down = new DockerRuntime({ socketPath: '/tmp/drover-no-docker.sock' });
  try {
    await down.version();
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, RuntimeUnavailableError);
  }
  assert.is(await rt.imageExists(IMAGE), true);
  assert.is(await rt.imageExists('drover-test/not-here:1'), false);
});

test('images: inspect and list for node status', async () => {
  const img = await rt.inspectImage(IMAGE);
  assert.match(img.id, /^sha256:/);
  assert.ok(img.size > 0 && img.architecture && img.os === 'linux');
  const list = await rt.listImages();
  const mine = list.find((i) => i.names.includes(IMAGE));
  assert.ok(mine);
  assert.ok(mine.sizeBytes > 0);
});

test('cleanup by label leaves nothing behind', async () => {
  await rt.createContainer(specFor(node, { command: ['sleep', '60'] }));
  assert.ok((await removeAll(rt, node)) >= 1);
  assert.is((await rt.listContainers({ [LABEL_NODE]: node })).length, 0);
});

test.run();
