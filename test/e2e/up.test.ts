// `drover up` smoke: hub + local agent as two child processes, the node Ready within 15 s,
// SIGINT stops both cleanly; a hub that dies (kill -9, as a fatal V8 error would) is reported
// and ends `up` non-zero with the agent stopped; `up` itself killed -9 leaves no orphan: the hub
// and the agent see their parent's IPC channel close and stop.

import { trustHub } from '../helpers/hub-tls.js';
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

/** Running, not a zombie waiting for whichever process reaps the orphans. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The child whose command line has `word` as an argument (`hub` or `agent`). */
function childRunning(pid: number, word: string): number {
  const kid = childPids(pid).find((k) =>
    readFileSync(`/proc/${k}/cmdline`, 'utf8').split('\0').includes(word),
  );
  if (kid === undefined) throw new Error(`no child of ${pid} runs \`${word}\``);
  return kid;
}

function startUp(dir: string) {
  return spawnDrover([
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
}

async function waitUpReady(up: ReturnType<typeof spawnDrover>): Promise<void> {
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
}

test('drover up: local node Ready within 15 s, printed table, SIGINT stops hub and agent', async () => {
  const dir = tempDir('drover-up-');
  const t0 = Date.now();
  const up = startUp(dir);
  await waitUpReady(up);
  const ms = Date.now() - t0;
  console.log(`  drover up -> Ready in ${ms} ms`);
  const out = up.output();
  assert.match(out, /kubectl --kubeconfig \S+kubeconfig get nodes/);
  const table = out.slice(out.indexOf('is Ready:') + 'is Ready:'.length);
  assert.match(table, /NAME\s+STATUS[\s\S]*local-1\s+Ready/);

  const ep = JSON.parse(readFileSync(join(dir, 'hub', 'endpoints.json'), 'utf8')) as { api: string };
  assert.match(ep.api, /^https:\/\//);
  trustHub(ep.api, join(dir, 'hub'));
  assert.is(await nodeReady(ep.api, 'local-1'), 'True');
  const k = await kubectl(['get', 'nodes'], { kubeconfig: join(dir, 'hub', 'kubeconfig') });
  assert.is(parseTable(k.stdout)[0]?.STATUS, 'Ready');

  const kids = childPids(up.pid);
  assert.is(kids.length, 2, 'the hub and the agent run as two child processes');
  const code = await up.stop('SIGINT', 10_000);
  assert.is(code, 0, up.output());
  for (const k of kids) assert.not.ok(alive(k), `child ${k} is gone`);
});

test('drover up: a hub that dies is reported, up exits non-zero and stops the agent', async () => {
  const up = startUp(tempDir('drover-up-crash-'));
  await waitUpReady(up);
  const hub = childRunning(up.pid, 'hub');
  const agent = childRunning(up.pid, 'agent');
  process.kill(hub, 'SIGKILL');
  await waitFor(() => up.proc.exitCode !== null, { timeoutMs: 15_000, what: '`drover up` to exit' });
  assert.is(up.proc.exitCode, 1, up.output());
  assert.match(up.output(), /drover up: the hub exited unexpectedly \(SIGKILL\); stopping the agent/);
  await waitFor(() => !alive(agent), { timeoutMs: 10_000, what: 'the agent child to be gone' });
});

test('drover up killed (kill -9): the hub and the agent stop on their own, no orphan', async () => {
  const up = startUp(tempDir('drover-up-kill9-'));
  await waitUpReady(up);
  const kids = [childRunning(up.pid, 'hub'), childRunning(up.pid, 'agent')];
  await up.kill9();
  for (const k of kids)
    await waitFor(() => !running(k), { timeoutMs: 20_000, what: `child ${k} to stop after up's kill -9` });
});

test.run();
