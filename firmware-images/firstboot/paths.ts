// Where first boot reads and writes on the board, and its timing defaults (with units).

export const FIRSTBOOT_PATHS = {
  /** The FAT boot partition (fstab mounts it by label). */
  bootDir: '/boot/firmware',
  /** The agent's config file (drover-agent.service runs `--config` with it). */
  agentConfig: '/etc/drover/agent.json',
  /** The agent's data dir: credentials.json appears there once the board has joined. */
  agentDataDir: '/var/lib/drover-agent',
  /** Present once first boot has finished; its unit then no longer runs. */
  doneMarker: '/var/lib/drover/firstboot.done',
  /** The root file system's label (mkfs.ext4 -L in the image build). */
  rootLabel: 'drover-root',
} as const;

export const FIRSTBOOT_DEFAULTS = {
  joinWaitMs: 10 * 60_000, // 10 min for the agent to join before this run gives up (systemd retries)
  pollMs: 1000, // 1 s between looks at the agent's credential file
} as const;
