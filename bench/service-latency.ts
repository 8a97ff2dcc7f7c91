// Service connection latency (#11): a new TCP connection's time to the first answer byte,
// straight to the pod, through an iptables DNAT rule (what kube-proxy's iptables mode installs),
// through the agent's userspace proxy to a pod on the same board, and through two proxies and a
// relay to a pod on another board. All in a network namespace this bench makes (its own
// loopback; nothing leaves it); needs root and iptables. Medians and ratios from one run.
// Run: npm run bench -- service [--connections 2000]

import { execFileSync, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ANCHORS } from './lib/anchors.js';
import { BenchArgs } from './lib/args.js';
import { BenchReport } from './lib/report.js';
import { fmt, ratio, summarize } from './lib/stats.js';

const args = new BenchArgs();
const N = args.number('connections', 2000);
const NS = 'drsvcbench';
const POD_PORT = 18080;
const DNAT = '127.0.45.10:80';

const report = new BenchReport('service-latency', 'Service connection latency', 'npm run bench -- service', {
  connections: N,
});

const sh = (cmd: string, argv: string[]) => execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
try {
  spawnSync('ip', ['netns', 'del', NS]);
  sh('ip', ['netns', 'add', NS]);
  sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  sh('ip', [
    'netns',
    'exec',
    NS,
    'iptables',
    '-t',
    'nat',
    '-A',
    'OUTPUT',
    '-p',
    'tcp',
    '-d',
    DNAT.split(':')[0],
    '--dport',
    DNAT.split(':')[1],
    '-j',
    'DNAT',
    '--to-destination',
    `127.0.0.1:${POD_PORT}`,
  ]);
  const child = fileURLToPath(new URL('./lib/service-latency-child.js', import.meta.url));
  const out = sh('ip', [
    'netns',
    'exec',
    NS,
    process.execPath,
    child,
    '--connections',
    String(N),
    '--pod-port',
    String(POD_PORT),
    '--dnat',
    DNAT,
  ]).toString();
  const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number[]>;
  const direct = summarize(r.direct);
  const rows: [string, string, number[]][] = [
    ['direct', 'straight to the pod', r.direct],
    ['iptables', 'iptables DNAT (kube-proxy iptables mode)', r.iptables],
    ['proxyLocal', 'agent proxy, pod on this board', r.proxyLocal],
    ['proxyRelay', 'agent proxy + relay, pod on another board', r.proxyRelay],
  ];
  for (const [, label, samples] of rows) {
    const s = summarize(samples);
    report.add(
      `${label}: connection p50`,
      s.p50,
      'ms',
      label === 'straight to the pod' ? ANCHORS.serviceDirect : ANCHORS.serviceProxy,
      {
        note: `p99 ${fmt(s.p99)} ms; ${fmt(ratio(s.p50, direct.p50))}x direct (p50)`,
      },
    );
  }
  report.note(
    `userspace proxy chosen (docs/architecture.md): boards share no pod network, so a pod on another board is reached through its board's relay either way; the proxy's cost per new connection is the difference to iptables above, load average ${loadavg()[0].toFixed(1)} during the run`,
  );
} finally {
  spawnSync('ip', ['netns', 'del', NS]);
}
report.write();
