// `drover up` smoke: hub + local agent in one process tree, the node Ready within 15 s,
// SIGINT stops both cleanly.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeReady } from '../helpers/api.js';
import { killAll, kubectl, parseTable, spawnDrover } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('drover up: local node Ready within 15 s, printed table, SIGINT stops hub and agent', async () => {
  const dir = tempDir('drover-up-');
  const t0 = Date.now();
  const up = spawnDrover([
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
    'local-1',
  ]);
  await waitFor(
    () => {
      if (up.proc.exitCode !== null) throw new Error(`drover up exited with ${up.proc.exitCode}`);
      return /Local node local-1 is Ready[\s\S]*Press Ctrl-C/.test(up.output());
    },
    {
      timeoutMs: 15_000,
      what: '`drover up` to report the node Ready',
    },
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${up.output()}`);
  });
  const ms = Date.now() - t0;
  console.log(`  drover up -> Ready in ${ms} ms`);
  const out = up.output();
  assert.match(out, /kubectl --kubeconfig \S+kubeconfig get nodes/);
  const table = out.slice(out.indexOf('is Ready:') + 'is Ready:'.length);
  assert.match(table, /NAME\s+STATUS[\s\S]*local-1\s+Ready/);

  const ep = JSON.parse(readFileSync(join(dir, 'hub', 'endpoints.json'), 'utf8')) as { api: string };
  assert.is(await nodeReady(ep.api, 'local-1'), 'True');
  const k = await kubectl(['get', 'nodes'], { kubeconfig: join(dir, 'hub', 'kubeconfig') });
  assert.is(parseTable(k.stdout)[0]?.STATUS, 'Ready');

  const kids = childPids(up.pid);
  assert.is(kids.length, 1, 'the agent runs as one child process');
  const code = await up.stop('SIGINT', 10_000);
  assert.is(code, 0, up.output());
  assert.not.ok(alive(kids[0]), 'agent child is gone');
});

test.run();
