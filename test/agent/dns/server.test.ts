// The agent's DNS responder on real UDP sockets: Service names from a Service table (ClusterIP,
// headless endpoints, NXDOMAIN under the domain, NODATA for other types), forwarding of other
// names to an upstream (a real socket standing in for the board's resolver), SERVFAIL when it
// is silent, REFUSED without one, FORMERR for garbage, and spoofed upstream answers ignored.

import { createSocket, type Socket } from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DNS_DEFAULTS, upstreamsFrom } from '../../../agent/dns/options.js';
import { DnsServer } from '../../../agent/dns/server.js';
import { buildAnswer, parseQuery, RCODE } from '../../../agent/dns/wire.js';
import { createLogger } from '../../../shared/log.js';
import type { ServiceTable } from '../../../shared/protocol/messages.js';

const log = createLogger('dns', 40);
const table: ServiceTable = {
  v: 1,
  revision: 1,
  nodes: {},
  services: [
    { namespace: 'default', name: 'web', clusterIP: '10.96.0.20', ports: [], endpoints: [] },
    {
      namespace: 'apps',
      name: 'db',
      ports: [],
      endpoints: [
        { ip: '172.17.0.9', node: 'a', ready: true, ports: {} },
        { ip: '172.17.0.8', node: 'a', ready: true, ports: {} },
        { ip: '172.17.0.7', node: 'a', ready: false, ports: {} },
      ],
    },
  ],
};

function query(name: string, type = 1, id = 0x1234): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2); // RD
  h.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(type, 1);
  tail.writeUInt16BE(1, 3);
  return Buffer.concat([h, ...labels, tail]);
}

interface Reply {
  id: number;
  rcode: number;
  aa: boolean;
  addresses: string[];
}
function parseReply(b: Buffer): Reply {
  const flags = b.readUInt16BE(2);
  const an = b.readUInt16BE(6);
  const addresses: string[] = [];
  let pos = 12;
  if (b.readUInt16BE(4)) {
    while (b[pos] !== 0) pos += b[pos] + 1;
    pos += 5;
  }
  for (let i = 0; i < an; i++) {
    addresses.push([...b.subarray(pos + 12, pos + 16)].join('.'));
    pos += 16;
  }
  return { id: b.readUInt16BE(0), rcode: flags & 0xf, aa: !!(flags & 0x0400), addresses };
}

async function ask(port: number, msg: Buffer, timeoutMs = 3000): Promise<Reply | undefined> {
  const s = createSocket('udp4');
  try {
    return await new Promise<Reply | undefined>((resolve) => {
      const t = setTimeout(() => resolve(undefined), timeoutMs);
      s.on('message', (m) => {
        clearTimeout(t);
        resolve(parseReply(m));
      });
      s.send(msg, port, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

async function bound(s: Socket): Promise<number> {
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s.address().port;
}

let upstream: Socket;
let upstreamPort: number;
/** Names the fake upstream answers (others it leaves unanswered). */
const upstreamAnswers = new Map([['example.org', '93.184.216.34']]);
let server: DnsServer;
let port: number;

test.before(async () => {
  upstream = createSocket('udp4');
  upstream.on('message', (m, r) => {
    const q = parseQuery(m);
    const a = upstreamAnswers.get(q.name);
    if (a)
      upstream.send(
        buildAnswer(q, { rcode: RCODE.NOERROR, addresses: [a], ttlSeconds: 30 }),
        r.port,
        r.address,
      );
  });
  upstreamPort = await bound(upstream);
  const probe = createSocket('udp4');
  port = await bound(probe);
  probe.close();
  server = new DnsServer(
    {
      ...DNS_DEFAULTS,
      address: '127.0.0.1',
      port,
      upstreams: ['127.0.0.1'],
      upstreamPort,
      forwardTimeoutMs: 300,
    },
    log,
  );
  await server.start();
  server.apply(table);
});
test.after(() => {
  server.stop();
  upstream.close();
});

const cases: { name: string; type?: number; rcode: number; addresses: string[]; aa: boolean }[] = [
  { name: 'web.default.svc.cluster.local', rcode: RCODE.NOERROR, addresses: ['10.96.0.20'], aa: true },
  { name: 'WEB.Default.svc.cluster.local', rcode: RCODE.NOERROR, addresses: ['10.96.0.20'], aa: true },
  {
    name: 'db.apps.svc.cluster.local',
    rcode: RCODE.NOERROR,
    addresses: ['172.17.0.8', '172.17.0.9'],
    aa: true,
  },
  { name: 'web.default.svc.cluster.local', type: 28, rcode: RCODE.NOERROR, addresses: [], aa: true },
  { name: 'nosuch.default.svc.cluster.local', rcode: RCODE.NXDOMAIN, addresses: [], aa: true },
  { name: 'web.other.svc.cluster.local', rcode: RCODE.NXDOMAIN, addresses: [], aa: true },
  { name: 'web.default.cluster.local', rcode: RCODE.NXDOMAIN, addresses: [], aa: true },
  { name: 'default.svc.cluster.local', rcode: RCODE.NOERROR, addresses: [], aa: true },
  { name: 'example.org', rcode: RCODE.NOERROR, addresses: ['93.184.216.34'], aa: false },
  { name: 'silent.example', rcode: RCODE.SERVFAIL, addresses: [], aa: false },
];
for (const c of cases)
  test(`${c.name} type ${c.type ?? 1}`, async () => {
    const r = await ask(port, query(c.name, c.type, 0xbeef));
    assert.ok(r, 'an answer');
    assert.equal(
      { id: r.id, rcode: r.rcode, addresses: r.addresses, aa: r.aa },
      { id: 0xbeef, rcode: c.rcode, addresses: c.addresses, aa: c.aa },
    );
  });

test('garbage gets FORMERR (or nothing when not even a header); the server keeps answering', async () => {
  const junk = Buffer.concat([query('x').subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
  assert.is((await ask(port, junk))?.rcode, RCODE.FORMERR);
  assert.is(await ask(port, Buffer.from([1, 2, 3]), 300), undefined);
  assert.equal((await ask(port, query('web.default.svc.cluster.local')))?.addresses, ['10.96.0.20']);
});

test('a forged answer from another port is ignored; the query still times out to SERVFAIL', async () => {
  const forger = createSocket('udp4');
  await bound(forger);
  const pending = ask(port, query('silent.example', 1, 7));
  // Spray every id at the server's upstream socket: none may be taken as the answer.
  const serverUpstream = (server as unknown as { upstream: Socket }).upstream.address().port;
  for (let id = 0; id < 0x10000; id += 97) {
    const f = buildAnswer(
      { id, opcode: 0, recursionDesired: true, question: query('silent.example').subarray(12) },
      { rcode: RCODE.NOERROR, addresses: ['6.6.6.6'] },
    );
    forger.send(f, serverUpstream, '127.0.0.1');
  }
  const r = await pending;
  forger.close();
  assert.equal({ rcode: r?.rcode, addresses: r?.addresses }, { rcode: RCODE.SERVFAIL, addresses: [] });
});

test('without an upstream, names outside the domain are REFUSED', async () => {
  const s = new DnsServer({ ...DNS_DEFAULTS, address: '127.0.0.1', port: 0, upstreams: [] }, log);
  await s.start();
  const p = (s as unknown as { socket: Socket }).socket.address().port;
  assert.is((await ask(p, query('example.org')))?.rcode, RCODE.REFUSED);
  s.stop();
});

test('upstreams come from resolv.conf, without the cluster DNS itself', () => {
  assert.equal(
    upstreamsFrom('search lan\nnameserver 169.254.20.10\nnameserver 192.168.1.1\n# x\n', '169.254.20.10'),
    ['192.168.1.1'],
  );
});

test.run();
