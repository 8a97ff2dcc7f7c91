// The agent's exec applies stdin and resize in the order kubectl sent them. Docker resizes a
// terminal by a request of its own, which took up to 111 ms on a loaded 2-core machine, while
// keys go straight down the exec's socket: `stty size` typed at the first prompt could run
// before the first size was set (busybox prints `stty: standard input` for the 0x0 terminal).
// The runtime is an in-memory ExecSession whose resizes finish when the test says.

import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RpcServer } from '../../agent/rpc.js';
import { MAX_PENDING_STDIN } from '../../agent/rpc-exec.js';
import type { ExecSession } from '../../agent/runtime/runtime.js';
import { createLogger } from '../../shared/log.js';
import { RPC_METHOD_EXEC, RPC_METHOD_RESIZE, RPC_METHOD_STDIN } from '../../shared/protocol/constants.js';
import { parseRpcResponse, type RpcResponse } from '../../shared/protocol/messages.js';

/** An exec whose resizes stay in flight until finished by the test; what reached it, in order. */
function slowResizes() {
  const events: string[] = [];
  const inFlight: { size: string; done: (err?: Error) => void }[] = [];
  let closed = false;
  const session: ExecSession = {
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    write: (d) => events.push(`write ${d.toString()}`),
    closeStdin: () => events.push('eof'),
    resize: (w, h) =>
      new Promise<void>((resolve, reject) => {
        const size = `${w}x${h}`;
        events.push(`resize ${size} asked`);
        inFlight.push({
          size,
          done: (err) => {
            if (err) reject(err);
            else {
              events.push(`resize ${size} done`);
              resolve();
            }
          },
        });
      }),
    exitCode: () => new Promise<number>(() => {}),
    close: () => {
      closed = true;
    },
  };
  const responses: RpcResponse[] = [];
  const rpc = new RpcServer({
    nodeName: 'n1',
    logs: () => Promise.reject(new Error('no logs here')),
    exec: async () => session,
    podAddress: async () => '127.0.0.1',
    publish: (_t, payload) => responses.push(parseRpcResponse(payload)),
    log: createLogger('rpc-test', 50),
  });
  /** Finishes the oldest resize still in flight. */
  const finish = async (err?: Error) => {
    inFlight.shift()?.done(err);
    await tick();
  };
  return { rpc, events, responses, finish, isClosed: () => closed };
}

const req = (method: string, params: Record<string, unknown>) => ({ v: 1, method, params });
const stdin = (seq: number, text: string) =>
  req(RPC_METHOD_STDIN, { seq, data: Buffer.from(text).toString('base64'), eof: false });
const resize = (width: number, height: number) => req(RPC_METHOD_RESIZE, { width, height });
const tick = () => new Promise((r) => setImmediate(r));

async function started(s: ReturnType<typeof slowResizes>, id: string): Promise<void> {
  s.rpc.handle(
    id,
    req(RPC_METHOD_EXEC, { namespace: 'default', name: 'p', command: ['sh'], stdin: true, tty: true }),
  );
  await tick();
  assert.is(s.responses[0]?.done, false, 'the call acknowledged');
}

test('keys typed after a resize reach the shell once the resize is done, not before', async () => {
  const s = slowResizes();
  await started(s, 'c1');
  s.rpc.handle('c1', stdin(0, 'a'));
  assert.equal(s.events, ['write a'], 'with no resize in flight, keys are written at once');
  s.rpc.handle('c1', resize(100, 30));
  s.rpc.handle('c1', stdin(1, 'stty size\r'));
  await tick();
  assert.equal(s.events, ['write a', 'resize 100x30 asked'], 'the line waits for the resize before it');
  await s.finish();
  assert.equal(s.events, ['write a', 'resize 100x30 asked', 'resize 100x30 done', 'write stty size\r']);
});

test('two resizes apply one after the other, the last one sent last; keys between them wait', async () => {
  const s = slowResizes();
  await started(s, 'c2');
  s.rpc.handle('c2', resize(100, 30));
  s.rpc.handle('c2', stdin(0, 'x'));
  s.rpc.handle('c2', resize(120, 40));
  s.rpc.handle('c2', stdin(1, 'y'));
  await tick();
  assert.equal(s.events, ['resize 100x30 asked'], 'the second resize is not asked while the first runs');
  await s.finish();
  await s.finish();
  assert.equal(s.events, [
    'resize 100x30 asked',
    'resize 100x30 done',
    'write x',
    'resize 120x40 asked',
    'resize 120x40 done',
    'write y',
  ]);
});

test('a resize that fails (the process just ended) does not hold back the input after it', async () => {
  const s = slowResizes();
  await started(s, 'c3');
  s.rpc.handle('c3', resize(100, 30));
  s.rpc.handle('c3', stdin(0, 'z'));
  await s.finish(new Error('exec is not running'));
  assert.equal(s.events, ['resize 100x30 asked', 'write z']);
  assert.is(s.responses.length, 1, 'the call goes on');
});

test('a resize that never finishes fails the call once too many inputs wait behind it', async () => {
  const s = slowResizes();
  await started(s, 'c4');
  s.rpc.handle('c4', resize(100, 30));
  for (let i = 0; i <= MAX_PENDING_STDIN + 1; i++) s.rpc.handle('c4', stdin(i, 'k'));
  await tick();
  assert.equal(s.events, ['resize 100x30 asked'], 'nothing written past the resize');
  const last = s.responses.at(-1);
  assert.is(last?.done, true);
  assert.is(last?.code, 500);
  assert.match(last?.error ?? '', /a terminal resize did not finish/);
  assert.ok(s.isClosed(), 'the session is closed');
  assert.is(s.rpc.openStreams, 0);
});

test.run();
