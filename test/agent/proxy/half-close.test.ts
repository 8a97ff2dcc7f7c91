// The Service proxy on real sockets: a client that sends its request and then half-closes
// (FIN, as `printf ... | nc` and HTTP/1.0 clients do) still gets the whole answer, both from a
// pod on this board and from one on another board through that board's relay. The backend
// answers only after it saw the FIN, so a proxy that tears the pair down on the client's FIN
// loses the answer.

import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { proxyOptions } from '../../../agent/proxy/options.js';
import { freePort } from '../../../bench/lib/ports.js';
import { ServiceProxy } from '../../../agent/proxy/proxy.js';
import { createLogger } from '../../../shared/log.js';
import type { ServiceTable } from '../../../shared/protocol/messages.js';

const log = createLogger('proxy-test', 100);
let backend: Server;
const proxies: ServiceProxy[] = [];

/** Sends body, half-closes, and collects what comes back until the connection closes. */
function ask(port: number, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
    });
    s.on('error', reject);
    s.on('close', () => resolve(got));
    s.end(body);
  });
}

test.before(async () => {
  // Answers after the request's end, as a server reading a request to EOF does.
  backend = createServer({ allowHalfOpen: true }, (s) => {
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
    });
    s.on('end', () => s.end(`answer to ${got}`));
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
});

test.after(() => {
  for (const p of proxies) p.stop();
  backend.close();
});

test('a half-closed request gets its answer, locally and through another board relay', async () => {
  const backendPort = (backend.address() as AddressInfo).port;
  const relayPort = await freePort();
  const [localPort, remotePort] = [await freePort(), await freePort()];
  // Board b hosts the pod; board a reaches it through b's relay (each relay on its own address).
  const b = new ServiceProxy(
    proxyOptions({ nodeName: 'b', relayHost: '127.0.0.1', relayPort, manageClusterIps: false }),
    log,
  );
  const a = new ServiceProxy(
    proxyOptions({ nodeName: 'a', relayHost: '127.0.0.2', relayPort, manageClusterIps: false }),
    log,
  );
  proxies.push(a, b);
  const endpoint = (node: string) => ({ ip: '127.0.0.1', node, ready: true, ports: { '': backendPort } });
  const svc = (name: string, port: number, node: string) => ({
    namespace: 'default',
    name,
    clusterIP: '127.0.0.1',
    ports: [{ name: '', port }],
    endpoints: [endpoint(node)],
  });
  const table: ServiceTable = {
    v: 1,
    revision: 1,
    services: [svc('local', localPort, 'a'), svc('remote', remotePort, 'b')],
    nodes: { a: '127.0.0.2', b: '127.0.0.1' },
  };
  await b.start();
  await b.apply({ ...table, services: table.services.filter((s) => s.name === 'remote') });
  await a.start();
  await a.apply(table);
  assert.ok(a.serving().includes(`127.0.0.1:${localPort}`), a.serving().join());

  assert.is(await ask(localPort, 'GET / HTTP/1.0\r\n\r\n'), 'answer to GET / HTTP/1.0\r\n\r\n');
  assert.is(await ask(remotePort, 'via relay'), 'answer to via relay');
  assert.is(a.stats.refused, 0);
});

test.run();
