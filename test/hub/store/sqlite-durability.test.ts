// Acknowledged writes survive kill -9: a child process writes in a loop and prints each
// acknowledged write; we SIGKILL it mid-stream, reopen the file and check every one is there.

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../../hub/store/sqlite.js';
import { quietLog, tempDir, waitFor } from './fixtures/helpers.js';

const writer = fileURLToPath(new URL('./fixtures/writer.js', import.meta.url));

interface Ack {
  op: 'create' | 'update';
  key: string;
  revision: number;
}

/** Runs the writer until it has acknowledged at least minAcks writes, then SIGKILLs it. */
async function runAndKill(
  path: string,
  prefix: string,
  minAcks: number,
): Promise<{ ready: number; acks: Ack[] }> {
  const child: ChildProcess = spawn(process.execPath, [writer, path, prefix], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, sig) => resolve(sig)),
  );
  try {
    await waitFor(
      () => out.split('\n').length > minAcks + 1 || child.exitCode !== null,
      `${minAcks} acks`,
      20_000,
    );
  } finally {
    child.kill('SIGKILL');
  }
  assert.is(await exited, 'SIGKILL', `writer must die by SIGKILL, stderr: ${err}`);
  // Only complete lines count: a torn last line was not fully acknowledged to us.
  const lines = out.split('\n');
  lines.pop();
  const [first, ...rest] = lines;
  assert.match(first, /^ready \d+$/);
  const acks = rest.map((l) => {
    const [op, key, rev] = l.split(' ');
    return { op: op as Ack['op'], key, revision: Number(rev) };
  });
  return { ready: Number(first.split(' ')[1]), acks };
}

test('every acknowledged write survives kill -9, revisions continue without gaps', async () => {
  const t = tempDir();
  const path = join(t.dir, 'store.db');
  try {
    // Seed one write: afterRevision 0 means "from now", so replay checks need a revision > 0.
    const seed = SqliteStore.open(path, { log: quietLog, compactIntervalMs: 0 });
    await seed.create('/seed', 's');
    await seed.close();
    let lastAcked = 1;
    for (const round of [1, 2, 3]) {
      const { ready, acks } = await runAndKill(path, `/d/r${round}/`, 300);
      assert.ok(acks.length >= 300, `round ${round}: ${acks.length} acks`);
      // The writer resumed from at least everything acknowledged in the previous round.
      assert.ok(ready >= lastAcked, `round ${round}: reopened at ${ready}, last acked ${lastAcked}`);
      // A single sequential writer: acknowledged revisions are consecutive from where it started.
      assert.equal(
        acks.map((a) => a.revision),
        acks.map((_, i) => ready + 1 + i),
      );

      const store = SqliteStore.open(path, { log: quietLog, compactIntervalMs: 0 });
      try {
        const head = await store.revision();
        const last = acks[acks.length - 1].revision;
        // At most the one write in flight at the kill may be committed without an ack.
        assert.ok(head === last || head === last + 1, `head ${head}, last acked ${last}`);
        const latestAck = new Map<string, Ack>();
        for (const a of acks) latestAck.set(a.key, a);
        for (const [key, a] of latestAck) {
          const kv = await store.get(key);
          assert.ok(kv, `acknowledged ${a.op} of ${key} at ${a.revision} is missing`);
          if (a.op === 'update') {
            // The writer never touches a key again after updating it.
            assert.is(kv.modRevision, a.revision, key);
            assert.is(kv.value, `u${key.split('/').pop()}`);
          } else {
            assert.is(kv.createRevision, a.revision, key);
            // Possibly updated by the in-flight write right after the last ack.
            assert.ok(kv.modRevision === a.revision || kv.modRevision === head, key);
          }
        }
        // The log replays as a consistent history from the start of this round.
        const events: number[] = [];
        await store.watch(`/d/r${round}/`, (ev) => events.push(ev.revision), { afterRevision: ready });
        await waitFor(
          () => events.length === head - ready,
          `replay of round ${round}: ${events.length} of ${head - ready}`,
        );
        assert.equal(
          events,
          Array.from({ length: head - ready }, (_, i) => ready + 1 + i),
        );
        // The counter continues after recovery.
        assert.is((await store.create(`/d/r${round}-probe`, 'p')).modRevision, head + 1);
        lastAcked = head + 1;
      } finally {
        await store.close();
      }
    }
  } finally {
    t.cleanup();
  }
});

test.run();
