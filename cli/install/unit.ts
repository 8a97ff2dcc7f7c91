// The systemd unit of a Drover service, hardened as systemd.exec(5) allows for a Node process:
// no new privileges, a read-only system, its own /tmp, no kernel tunables or modules, a
// dedicated user with a StateDirectory it owns. MemoryDenyWriteExecute is left out on purpose:
// V8's JIT needs writable executable memory.

import { type Role, RESTART_SEC, STATE_NAME } from './defaults.js';

export interface UnitSpec {
  role: Role;
  /** node, the CLI entry point: ExecStart=<node> <main> <role> $DROVER_ARGS. */
  node: string;
  main: string;
  envFile: string;
  /** Dedicated user; undefined runs as root (the agent when no docker group lets a user reach the engine). */
  user?: string;
  supplementaryGroups: string[];
  limitNoFile: number;
}

const DESCRIPTION: Record<Role, string> = {
  hub: 'Drover hub (API server, store, MQTT broker, scheduler, controllers)',
  agent: 'Drover agent (runs the pods the hub assigns to this board)',
};

const HARDENING = [
  'NoNewPrivileges=yes',
  'ProtectSystem=strict',
  'ProtectHome=read-only',
  'PrivateTmp=yes',
  'PrivateDevices=yes',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'ProtectClock=yes',
  'ProtectHostname=yes',
  'RestrictSUIDSGID=yes',
  'RestrictRealtime=yes',
  'RestrictNamespaces=yes',
  'LockPersonality=yes',
  // libuv reads interface addresses over netlink (os.networkInterfaces).
  'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
  'SystemCallArchitectures=native',
  'CapabilityBoundingSet=',
  'UMask=0077',
];

export function renderUnit(s: UnitSpec): string {
  const after = s.role === 'agent' ? 'network-online.target docker.service' : 'network-online.target';
  const lines = [
    '# Written by `drover install`; `drover uninstall` removes it.',
    '[Unit]',
    `Description=${DESCRIPTION[s.role]}`,
    `After=${after}`,
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    ...(s.user ? [`User=${s.user}`, `Group=${s.user}`] : []),
    ...(s.supplementaryGroups.length ? [`SupplementaryGroups=${s.supplementaryGroups.join(' ')}`] : []),
    `EnvironmentFile=${s.envFile}`,
    // The agent runs under its launcher, which swaps and falls back agent bundles (issue #10).
    `ExecStart=${s.node} ${s.main} ${s.role}${s.role === 'agent' ? ' --supervise' : ''} $DROVER_ARGS`,
    'Restart=always',
    `RestartSec=${RESTART_SEC}s`,
    // Ctrl-C semantics: SIGTERM lets the agent say goodbye and the hub close its store.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30s',
    `StateDirectory=${STATE_NAME}/${s.role}`,
    'StateDirectoryMode=0700',
    `LimitNOFILE=${s.limitNoFile}`,
    ...HARDENING,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}
