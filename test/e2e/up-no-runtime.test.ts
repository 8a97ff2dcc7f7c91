// The first command on a machine without a Docker engine (issue #12): `drover up` (what
// `npm start` runs) says once, in one line, that pods need an engine and how to get one; the
// agent retries the runtime with growing delays and logs nothing per retry; when an engine
// appears at the socket path the agent says so once and the node's RuntimeReady turns True.

import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIME_INSTALL_HINT } from '../../agent/pods/runtime-health.js';
import type { Node } from '../../shared/api/types.js';
import { getJson } from '../helpers/api.js';
import { trustHub } from '../helpers/hub-tls.js';
import { killAll, spawnDrover } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

const DOCKER_SOCKET = '/var/run/docker.sock';
const NEED_ENGINE = /pods need a container engine and none answers at/g;
const RETRY = /container runtime retry scheduled inMs=(\d+)/g;

function runtimeReady(n: Node): string | undefined {
  return n.status?.conditions?.find((c) => c.type === 'RuntimeReady')?.status;
}

test('drover up without an engine: one line with the way to get one, backoff, one line when it is back', async () => {
  const dir = tempDir('drover-up-noruntime-');
  const socket = join(dir, 'docker.sock');
  assert.not.ok(existsSync(socket));
  const up = spawnDrover(
    [
      'up',
      '--data-dir',
      dir,
      '--api-port',
      '0',
      '--mqtt-port',
      '0',
      '--mqtt-host',
      '127.0.0.1',
      '--name',
      'bare-1',
    ],
    // The agent reads its socket, log level and first runtime retry (2 s by default; the wait
    // for three retries and the one after the engine appears was most of this file's time)
    // from the environment `up` passes down.
    { DROVER_DOCKER_SOCKET: socket, DROVER_LOG_LEVEL: 'debug', DROVER_RUNTIME_RETRY_BASE: '500ms' },
  );
  const fail = (e: Error) => {
    throw new Error(`${e.message}\n${up.output()}`);
  };
  await waitFor(() => /Local node bare-1 is Ready/.test(up.output()), {
    timeoutMs: 30_000,
    what: 'the node Ready without an engine',
  }).catch(fail);
  // Three retries with growing delays, and still one line about the engine.
  const delays = await waitFor(
    () => {
      const d = [...up.output().matchAll(RETRY)].map((m) => Number(m[1]));
      return d.length >= 3 ? d : undefined;
    },
    { timeoutMs: 30_000, what: 'three runtime retries' },
  ).catch(fail);
  assert.ok(delays[2] > delays[0], `retry delays grow: ${delays.join(', ')}`);
  const lines = up.output().split('\n');
  const said = lines.filter((l) => NEED_ENGINE.test(l));
  assert.is(said.length, 1, `one line about the engine:\n${said.join('\n')}`);
  assert.ok(said[0].includes(RUNTIME_INSTALL_HINT), said[0]);
  assert.not.match(up.output(), /runtime poll failed|reconcile failed|pod sync failed/);

  const ep = await waitFor(() => {
    const f = join(dir, 'hub', 'endpoints.json');
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { api: string }) : undefined;
  });
  trustHub(ep.api, join(dir, 'hub'));
  const node = await getJson<Node>(ep.api, '/api/v1/nodes/bare-1');
  assert.is(runtimeReady(node), 'False');

  // An engine appears at the path the agent was told: it comes back on the next retry.
  symlinkSync(DOCKER_SOCKET, socket);
  await waitFor(() => /container runtime is back/.test(up.output()), {
    timeoutMs: 90_000,
    what: 'the agent to find the engine',
  }).catch(fail);
  await waitFor(async () => runtimeReady(await getJson<Node>(ep.api, '/api/v1/nodes/bare-1')) === 'True', {
    timeoutMs: 30_000,
    what: 'RuntimeReady=True',
  }).catch(fail);
  assert.is([...up.output().matchAll(/container runtime is back/g)].length, 1);
  assert.is(await up.stop('SIGINT', 10_000), 0, up.output());
});

test.run();
