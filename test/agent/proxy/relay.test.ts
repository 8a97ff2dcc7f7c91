// The relay on real sockets, as an attacker on the board network would use it: a target that
// is not one of this board's Ready endpoints, a garbage or endless request line, and silence
// are all closed without a byte from any backend; the allowed target gets OK and its bytes.

import { createServer, type Server, connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Relay } from '../../../agent/proxy/relay.js';
import { createLogger } from '../../../shared/log.js';

let backend: Server;
let backendPort = 0;
let backendHits = 0;
let relay: Relay;
const RELAY_PORT = 0;
let relayPort = 0;

test.before(async () => {
  backend = createServer((s) => {
    backendHits++;
    s.end('hello from the pod');
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendPort = (backend.address() as { port: number }).port;
  relay = new Relay({
    host: '127.0.0.1',
    port: RELAY_PORT,
    headerTimeoutMs: 300,
    connectTimeoutMs: 1000,
    allowed: (t) => t === `127.0.0.1:${backendPort}`,
    log: createLogger('relay-test', 100),
  });
  await relay.start();
  relayPort = relay.port();
});
test.after(() => {
  relay.stop();
  backend.close();
});

/** Sends bytes to the relay and collects what comes back until it closes. */
function ask(bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(relayPort, '127.0.0.1');
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
    });
    s.on('error', () => {});
    s.on('close', () => resolve(got));
    s.write(bytes);
  });
}

test('the allowed target: OK, then the pod speaks', async () => {
  assert.is(await ask(`127.0.0.1:${backendPort}\n`), 'OK\nhello from the pod');
  assert.is(backendHits, 1);
});

test('refused without a byte: other targets, garbage, an endless line, silence', async () => {
  const before = { hits: backendHits, refused: relay.refused };
  const cases: (string | Buffer)[] = [
    `127.0.0.1:22\n`,
    `10.0.0.1:${backendPort}\n`,
    `127.0.0.1:${backendPort} \n`,
    'GET / HTTP/1.1\r\n\r\n',
    `${'9'.repeat(200)}`,
    Buffer.from([0xff, 0x00, 0x0a]),
    '',
  ];
  for (const c of cases) assert.is(await ask(c), '', JSON.stringify(c.toString()));
  assert.is(backendHits, before.hits, 'no backend was reached');
  assert.is(relay.refused - before.refused, cases.length);
});

test.run();
