// Runs inside the service-latency bench's network namespace (its own loopback, so no traffic
// leaves it): a small TCP "pod" that answers one line per connection, and the connection
// latency (connect + request + first answer byte) straight to it, through the agent's userspace
// proxy (agent/proxy/, a local endpoint), through two proxies and a relay (another board's
// endpoint), and through an iptables DNAT rule the parent set up. Prints one JSON line.

import { connect, createServer } from 'node:net';
import { ServiceProxy } from '../../agent/proxy/proxy.js';
import { proxyOptions } from '../../agent/proxy/options.js';
import { createLogger } from '../../shared/log.js';
import type { ServiceTable } from '../../shared/protocol/messages.js';
import { BenchArgs } from './args.js';

const args = new BenchArgs();
const N = args.number('connections', 2000);
const POD_PORT = args.number('pod-port', 18080);
const DNAT_ADDR = args.string('dnat', '127.0.45.10:80');

/** ms from connect() to the first byte of the answer. */
function once(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const s = connect({ host, port });
    s.once('connect', () => s.write('GET\n'));
    s.once('data', () => {
      resolve(Number(process.hrtime.bigint() - t0) / 1e6);
      s.destroy();
    });
    s.once('error', reject);
  });
}

/** N connections to each target, interleaved (so load and JIT warm-up fall on all alike). */
async function series(targets: Record<string, [string, number]>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const k of Object.keys(targets)) out[k] = [];
  for (let i = 0; i < N + 50; i++)
    for (const [k, [host, port]] of Object.entries(targets)) {
      const ms = await once(host, port);
      if (i >= 50) out[k].push(ms); // the first 50 are warm-up
    }
  return out;
}

const pod = createServer((s) => {
  s.once('data', () => s.end('pod answer\n'));
  s.on('error', () => {});
});
await new Promise<void>((r) => pod.listen(POD_PORT, '127.0.0.1', r));
const log = createLogger('bench-proxy', 100);
const table = (ready: string): Pick<ServiceTable, 'services' | 'nodes'> => ({
  nodes: { a: '127.0.46.1', b: '127.0.46.2' },
  services: [
    {
      namespace: 'default',
      name: 'web',
      ports: [{ name: '', port: 80, nodePort: 30080 }],
      endpoints: [{ ip: '127.0.0.1', node: ready, ready: true, ports: { '': POD_PORT } }],
    },
  ],
});
// Board a serves its own pod; board c's pod sits on board b, reached through b's relay.
const a = new ServiceProxy(
  proxyOptions({ nodeName: 'a', nodeIp: '127.0.46.1', relayHost: '127.0.46.1', manageClusterIps: false }),
  log,
);
const b = new ServiceProxy(
  proxyOptions({ nodeName: 'b', nodeIp: '127.0.46.2', relayHost: '127.0.46.2', manageClusterIps: false }),
  log,
);
const c = new ServiceProxy(
  proxyOptions({ nodeName: 'c', nodeIp: '127.0.46.3', relayHost: '127.0.46.3', manageClusterIps: false }),
  log,
);
for (const p of [a, b, c]) await p.start();
await a.apply(table('a'));
await b.apply(table('b'));
await c.apply(table('b'));

const [dh, dp] = DNAT_ADDR.split(':');
const result = await series({
  direct: ['127.0.0.1', POD_PORT],
  iptables: [dh, Number(dp)],
  proxyLocal: ['127.0.46.1', 30080],
  proxyRelay: ['127.0.46.3', 30080],
});
for (const p of [a, b, c]) p.stop();
pod.close();
console.log(JSON.stringify(result));
