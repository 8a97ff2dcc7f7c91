// The fleet simulator on its own, against any hub:
//   node dist/bench/sim/main.js --hub mqtts://127.0.0.1:8883 --ca-file .drover/hub/pki/ca.crt
//     --token abcdef.0123456789abcdef   (or --hub mqtt://HOST:PORT for a hub's --mqtt-plain-port)
//     [--nodes 1000] [--per-process 2500] [--heartbeat 10s] [--status-interval 60s] [--ramp 200]
//     [--pod-start-delay 500ms] [--arch amd64=1,arm64=3,arm=1] [--zones 3] [--labels a=b,c=d]
//     [--silent 0.01] [--drop 0.01] [--fail-after 30s] [--prefix hollow-] [--dials-per-process 32]
//     [--dials-per-second 0]
// Prints the fleet's counters every 5 s; Ctrl-C stops it.

import { readFileSync } from 'node:fs';
import { parseLabels } from '../../agent/config.js';
import { BenchArgs } from '../lib/args.js';
import { startFleet } from './fleet.js';
import { SIM_DEFAULTS } from './options.js';

const REPORT_EVERY_MS = 5000;
const a = new BenchArgs();
const archMix = a.has('arch')
  ? Object.fromEntries(
      Object.entries(parseLabels(a.string('arch', ''), '--arch')).map(([k, v]) => [k, Number(v)]),
    )
  : SIM_DEFAULTS.archMix;
const fleet = await startFleet({
  hubUrl: a.string('hub', ''),
  token: a.string('token', ''),
  caPem: a.has('ca-file') ? readFileSync(a.string('ca-file', ''), 'utf8') : undefined,
  nodes: a.number('nodes', SIM_DEFAULTS.nodes),
  nodesPerProcess: a.number('per-process', SIM_DEFAULTS.nodesPerProcess),
  heartbeatIntervalMs: a.durationMs('heartbeat', SIM_DEFAULTS.heartbeatIntervalMs),
  statusIntervalMs: a.durationMs('status-interval', SIM_DEFAULTS.statusIntervalMs),
  rampPerSecond: a.number('ramp', SIM_DEFAULTS.rampPerSecond),
  podStartDelayMs: a.durationMs('pod-start-delay', SIM_DEFAULTS.podStartDelayMs),
  archMix,
  zones: a.number('zones', SIM_DEFAULTS.zones),
  labels: a.has('labels')
    ? { ...SIM_DEFAULTS.labels, ...parseLabels(a.string('labels', '')) }
    : SIM_DEFAULTS.labels,
  silentFraction: a.number('silent', SIM_DEFAULTS.silentFraction),
  dropFraction: a.number('drop', SIM_DEFAULTS.dropFraction),
  failAfterMs: a.durationMs('fail-after', SIM_DEFAULTS.failAfterMs),
  namePrefix: a.string('prefix', SIM_DEFAULTS.namePrefix),
  dialsPerProcess: a.number('dials-per-process', SIM_DEFAULTS.dialsPerProcess),
  dialsPerSecond: a.number('dials-per-second', SIM_DEFAULTS.dialsPerSecond),
});
console.log(
  `simulating ${fleet.options.nodes} hollow nodes in ${fleet.pids.length} process(es) against ${fleet.options.hubUrl}`,
);
const timer = setInterval(() => {
  const { joinMs: _, ...c } = fleet.counters();
  console.log(JSON.stringify(c));
}, REPORT_EVERY_MS);
process.once('SIGINT', () => {
  clearInterval(timer);
  void fleet.stop().then(() => process.exit(0));
});
