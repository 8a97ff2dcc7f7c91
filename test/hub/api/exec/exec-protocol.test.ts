// The pure parts of kubectl exec: the query as kube-apiserver reads it, the Status kubectl reads
// on channel 3 for each ending, the resize message, and the exec fields of an agent's RPC
// response (a hostile agent's values refused).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseResize as parseAgentResize } from '../../../../agent/rpc-exec.js';
import { ExecInputError, parseStdin } from '../../../../agent/rpc-stdin.js';
import { encode, parseRpcResponse } from '../../../../shared/protocol/messages.js';
import { execStatus, parseResize } from '../../../../hub/api/exec/bridge.js';
import { parseExecQuery } from '../../../../hub/api/exec/query.js';

const q = (s: string) => new URLSearchParams(s);

test('exec query: commands in order, switches, tty merges stderr; refusals in kube-apiserver words', () => {
  const ok = parseExecQuery(
    q('command=sh&command=-c&command=echo+hi&stdout=true&stderr=true&container=main'),
  );
  assert.equal(ok, {
    command: ['sh', '-c', 'echo hi'],
    container: 'main',
    stdin: false,
    stdout: true,
    stderr: true,
    tty: false,
  });
  assert.is(parseExecQuery(q('command=sh&stdin=1&stdout=1&stderr=1&tty=1')).stderr, false);
  const cases: [string, RegExp][] = [
    ['stdout=true', /at least one command/],
    ['command=ls', /at least 1 of stdin, stdout, stderr/],
    ['command=ls&stdout=yes', /stdout: "yes" is not a boolean/],
  ];
  for (const [query, msg] of cases) assert.throws(() => parseExecQuery(q(query)), msg, query);
});

test('channel 3 Status: Success, NonZeroExitCode with the code as kubectl reads it, failures', () => {
  assert.equal(execStatus(['true'], undefined, { v: 1, seq: 3, done: true, exitCode: 0 }), {
    metadata: {},
    status: 'Success',
  });
  const nz = execStatus(['false'], undefined, { v: 1, seq: 3, done: true, exitCode: 42 }) as {
    reason: string;
    details: { causes: { reason: string; message: string }[] };
  };
  assert.is(nz.reason, 'NonZeroExitCode');
  assert.equal(nz.details.causes, [{ reason: 'ExitCode', message: '42' }]);
  const gone = execStatus(['sh'], new Error('node px-a disconnected')) as { status: string; message: string };
  assert.is(gone.status, 'Failure');
  assert.is(gone.message, 'node px-a disconnected');
  assert.is(
    (execStatus(['sh'], undefined, { v: 1, seq: 1, done: true }) as { status: string }).status,
    'Failure',
  );
});

test('resize messages: only whole positive sizes pass, on both sides', () => {
  assert.equal(parseResize(Buffer.from('{"Width":80,"Height":24}')), { width: 80, height: 24 });
  for (const bad of [
    '{"Width":0,"Height":24}',
    '{"Width":1.5,"Height":2}',
    'nope',
    '{"Width":"80","Height":24}',
    '[]',
  ])
    assert.is(parseResize(Buffer.from(bad)), undefined, bad);
  assert.equal(parseAgentResize({ width: 120, height: 40 }), { width: 120, height: 40 });
  for (const bad of [{}, { width: 0, height: 1 }, { width: 70000, height: 1 }, { width: '1', height: 1 }])
    assert.throws(
      () => parseAgentResize(bad),
      (e: Error) => e instanceof ExecInputError,
    );
});

test('stdin requests: seq, base64 data and eof checked', () => {
  assert.equal(parseStdin({ seq: 0, data: Buffer.from('hi').toString('base64') }), {
    seq: 0,
    data: Buffer.from('hi'),
    eof: false,
  });
  assert.equal(parseStdin({ seq: 4, eof: true }), { seq: 4, eof: true });
  for (const bad of [{}, { seq: -1 }, { seq: 1.5 }, { seq: 0, data: 'not base64!' }, { seq: 0, eof: 'yes' }])
    assert.throws(
      () => parseStdin(bad as Record<string, unknown>),
      (e: Error) => e instanceof ExecInputError,
    );
});

test('rpc response exec fields from an agent: stream 1 or 2, exit code 0..255, else refused', () => {
  const ok = parseRpcResponse(encode({ seq: 1, done: false, stream: 2, data: 'aGk=' }));
  assert.is(ok.stream, 2);
  assert.is(parseRpcResponse(encode({ seq: 2, done: true, exitCode: 255 })).exitCode, 255);
  for (const bad of [{ stream: 3 }, { stream: '1' }, { exitCode: -1 }, { exitCode: 256 }, { exitCode: 1.5 }])
    assert.throws(() => parseRpcResponse(encode({ seq: 1, done: false, ...bad })), /stream|exitCode/);
});

test.run();
