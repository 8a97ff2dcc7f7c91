// `drover cluster up` as a user runs it (real nats-servers, real hubs, a real agent): three
// servers and three hubs come up; every hub answers the API with its own kubeconfig and exactly
// one leads; the printed join line (all three hubs) joins a board that goes Ready; a hub killed
// with kill -9 is started again; Ctrl-C (SIGTERM) stops every process it started and exits 0.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClusterInfo } from '../../cli/cluster/up.js';
import { getJson, nodeReady } from '../helpers/api.js';
import { trustHub } from '../helpers/hub-tls.js';
import { drover, killAll, spawnDrover } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('cluster up: 3 servers, 3 hubs, a board joined with the printed line; a dead hub restarts; SIGTERM stops all', async () => {
  const dir = tempDir('drover-cluster-');
  const up = spawnDrover([
    'cluster',
    'up',
    '--data-dir',
    dir,
    ...['--api-port', '0', '--mqtt-port', '0', '--nats-port', '0', '--nats-cluster-port', '0'],
    '--heartbeat-interval',
    '1s',
  ]);
  const infoPath = join(dir, 'cluster.json');
  await waitFor(() => existsSync(infoPath) && up.output().includes('Press Ctrl-C'), {
    what: 'cluster.json and the banner',
    timeoutMs: 90_000,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${up.output()}`);
  });
  const info = JSON.parse(readFileSync(infoPath, 'utf8')) as ClusterInfo;
  assert.is(info.hubs.length, 3);
  assert.is(info.nats.length, 3);
  for (const h of info.hubs) {
    trustHub(h.api, h.dataDir);
    const ns = await getJson<{ items: unknown[] }>(h.api, '/api/v1/namespaces');
    assert.ok(ns.items.length > 0, `hub ${h.api} answers`);
  }
  const leaders = () =>
    info.hubs.filter((h) =>
      readFileSync(join(h.dataDir, 'hub.log'), 'utf8').includes('leader: start controllers'),
    );
  await waitFor(() => leaders().length === 1, { what: 'one leader' });

  // Every hub added its URL to the cluster info: `drover token create` through any hub names them all.
  const created = await drover([
    'token',
    'create',
    '--kubeconfig',
    join(info.hubs[1]!.dataDir, 'kubeconfig'),
  ]);
  assert.is(created.code, 0, created.stderr);
  const listed = created.stdout.match(/--hub (\S+)/)?.[1]?.split(',') ?? [];
  assert.equal([...listed].sort(), info.hubs.map((h) => h.mqtt).sort(), created.stdout);

  // The join line as printed, with a node name and a data dir.
  assert.match(up.output(), info.joinLine);
  const argv = info.joinLine.split(' ').slice(1);
  argv[argv.indexOf('<name>')] = 'cluster-board';
  const agent = spawnDrover([...argv, '--data-dir', tempDir('drover-agent-'), '--heartbeat-interval', '1s']);
  await waitFor(async () => (await nodeReady(info.hubs[2]!.api, 'cluster-board')) === 'True', {
    what: 'the board Ready',
    timeoutMs: 30_000,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${agent.output()}`);
  });

  // A hub that dies is started again (a hub that loses the lease exits by design).
  const victim = info.hubs[1]!;
  process.kill(victim.pid, 'SIGKILL');
  const again = await waitFor(
    () => {
      const now = JSON.parse(readFileSync(infoPath, 'utf8')) as ClusterInfo;
      return now.hubs[1]!.pid !== victim.pid ? now.hubs[1] : undefined;
    },
    { what: 'hub 2 started again', timeoutMs: 30_000 },
  );
  trustHub(again.api, again.dataDir);
  await getJson(again.api, '/api/v1/namespaces');

  await agent.stop();
  const code = await up.stop('SIGTERM', 30_000);
  assert.is(code, 0, up.output());
  const now = JSON.parse(readFileSync(infoPath, 'utf8')) as ClusterInfo;
  for (const pid of [...now.hubs.map((h) => h.pid), ...now.nats.map((n) => n.pid)])
    assert.not.ok(alive(pid), `process ${pid} stopped`);
});

test.run();
