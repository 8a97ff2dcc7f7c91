// The agent's exec RPC takes the stdin and resize requests that arrive while Docker's exec is
// still starting (the hub relays kubectl's stdin at once, as `echo x | kubectl exec -i` sends it
// before the exec runs): they reach the process in order once it runs, none lost. A cancel while
// it starts closes the session once made. The runtime is an in-memory ExecSession here; the real
// path (kubectl -> hub -> MQTT -> agent -> Docker) is test/e2e/pods-exec.test.ts.

import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RpcServer } from '../../agent/rpc.js';
import type { ExecSession } from '../../agent/runtime/runtime.js';
import { createLogger } from '../../shared/log.js';
import { parseRpcResponse, type RpcResponse } from '../../shared/protocol/messages.js';
import {
  RPC_METHOD_CANCEL,
  RPC_METHOD_EXEC,
  RPC_METHOD_RESIZE,
  RPC_METHOD_STDIN,
} from '../../shared/protocol/constants.js';

interface Fake {
  session: ExecSession;
  written: string[];
  sizes: [number, number][];
  stdinClosed: boolean;
  closed: boolean;
}

function fakeSession(): Fake {
  const f: Fake = {
    written: [],
    sizes: [],
    stdinClosed: false,
    closed: false,
    session: {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      write: (d) => f.written.push(d.toString()),
      closeStdin: () => {
        f.stdinClosed = true;
      },
      resize: async (w, h) => {
        f.sizes.push([w, h]);
      },
      exitCode: () => new Promise<number>(() => {}),
      close: () => {
        f.closed = true;
      },
    },
  };
  return f;
}

/** An RpcServer whose exec starts only when `start()` is called. */
function server() {
  const fake = fakeSession();
  const responses: RpcResponse[] = [];
  let start!: () => void;
  const started = new Promise<void>((r) => {
    start = r;
  });
  const rpc = new RpcServer({
    nodeName: 'n1',
    logs: () => Promise.reject(new Error('no logs here')),
    exec: async () => {
      await started;
      return fake.session;
    },
    podAddress: async () => '127.0.0.1',
    publish: (_t, payload) => responses.push(parseRpcResponse(payload)),
    log: createLogger('rpc-test', 50),
  });
  return { rpc, fake, responses, start };
}

const req = (method: string, params: Record<string, unknown>) => ({ v: 1, method, params });
const stdin = (seq: number, text?: string, eof = false) =>
  req(RPC_METHOD_STDIN, { seq, ...(text ? { data: Buffer.from(text).toString('base64') } : {}), eof });
const tick = () => new Promise((r) => setImmediate(r));

test('stdin and resize sent while the exec starts reach it in order once it runs', async () => {
  const { rpc, fake, responses, start } = server();
  rpc.handle('c1', req(RPC_METHOD_EXEC, { namespace: 'default', name: 'p', command: ['cat'], stdin: true }));
  rpc.handle('c1', stdin(0, 'hel'));
  rpc.handle('c1', req(RPC_METHOD_RESIZE, { width: 80, height: 24 }));
  rpc.handle('c1', stdin(2, '\n', true)); // out of order: waits for 1
  rpc.handle('c1', stdin(1, 'lo'));
  await tick();
  assert.equal(fake.written, [], 'nothing written before the exec runs');
  start();
  await tick();
  assert.equal(fake.written.join(''), 'hello\n');
  assert.ok(fake.stdinClosed, 'end-of-file after the last chunk');
  assert.equal(fake.sizes, [[80, 24]]);
  assert.is(responses[0]?.done, false, 'the call acknowledged');
  // Input after the start goes straight through.
  rpc.handle('c1', req(RPC_METHOD_RESIZE, { width: 100, height: 30 }));
  await tick();
  assert.equal(fake.sizes, [
    [80, 24],
    [100, 30],
  ]);
});

test('a cancel while the exec starts closes it once made; later input is dropped', async () => {
  const { rpc, fake, responses, start } = server();
  rpc.handle('c2', req(RPC_METHOD_EXEC, { namespace: 'default', name: 'p', command: ['sh'], stdin: true }));
  rpc.handle('c2', stdin(0, 'x'));
  rpc.handle('c2', req(RPC_METHOD_CANCEL, {}));
  rpc.handle('c2', stdin(1, 'y'));
  start();
  await tick();
  assert.ok(fake.closed, 'the session made after the cancel is closed');
  assert.equal(fake.written, []);
  assert.equal(responses, [], 'no answer to a cancelled call');
  assert.is(rpc.openStreams, 0);
});

test('input for an exec that never started (refused) is dropped, not held', async () => {
  const responses: RpcResponse[] = [];
  const rpc = new RpcServer({
    nodeName: 'n1',
    logs: () => Promise.reject(new Error('no logs here')),
    exec: () => Promise.reject(new Error('no such pod')),
    podAddress: async () => '127.0.0.1',
    publish: (_t, payload) => responses.push(parseRpcResponse(payload)),
    log: createLogger('rpc-test', 50),
  });
  rpc.handle('c3', req(RPC_METHOD_EXEC, { namespace: 'default', name: 'p', command: ['sh'] }));
  await tick();
  rpc.handle('c3', stdin(0, 'x'));
  assert.is(responses.length, 1);
  assert.is(responses[0].done, true);
  assert.is(responses[0].code, 500);
  assert.is(rpc.openStreams, 0);
});

test.run();
