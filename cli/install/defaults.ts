// `drover install` defaults, with units, in one place.

export type Role = 'hub' | 'agent';
export const ROLES: readonly Role[] = ['hub', 'agent'];

/** Where systemd looks for administrator units. */
export const DEFAULT_UNIT_DIR = '/etc/systemd/system';
/** Environment files of the services (0600: the agent's holds its bootstrap token). */
export const DEFAULT_ENV_DIR = '/etc/drover';
/** StateDirectory= base: systemd creates /var/lib/<STATE_NAME>/<role> owned by the service user. */
export const STATE_BASE = '/var/lib';
export const STATE_NAME = 'drover';
/** The dedicated system user the services run as. */
export const DEFAULT_SERVICE_USER = 'drover';
/** Group that may use Docker's socket (Debian's docker.io); the agent joins it when it exists. */
export const DOCKER_GROUP = 'docker';
/** Open files: the hub holds one socket per board (10,000+) plus API watches. */
export const HUB_LIMIT_NOFILE = 1_048_576;
export const AGENT_LIMIT_NOFILE = 65_536;
/** Wait before systemd restarts a crashed service, s. */
export const RESTART_SEC = 2;

export function unitName(role: Role): string {
  return `drover-${role}.service`;
}
