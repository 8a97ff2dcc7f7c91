// Runtime defaults, with units, in one place.

/** Docker's socket. */
export const DEFAULT_SOCKET_PATH = '/var/run/docker.sock';
/** Log rotation per container (kubelet's containerLogMaxSize is 10Mi, containerLogMaxFiles 5). */
export const DEFAULT_LOG_MAX_SIZE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_MAX_FILES = 5;
/** A pull with no progress event for this long is abandoned (ms). */
export const DEFAULT_PULL_STALL_TIMEOUT_MS = 120_000;
/** Exec output kept for probes (bytes); the rest is dropped. */
export const DEFAULT_EXEC_OUTPUT_CAP_BYTES = 64 * 1024;
/** The smallest CPU limit the kernel's CFS quota allows (1 ms per 100 ms period), in millicores. */
export const MIN_CPU_LIMIT_MILLIS = 10;
/** Kubelet's minimum CPU shares for a container with a tiny request. */
export const MIN_CPU_SHARES = 2;
/** Volume files' mode when the volume gives no defaultMode (0644). */
export const DEFAULT_VOLUME_FILE_MODE = 0o644;
/** The pod sandbox's image, made on the board from a static busybox (Debian's busybox-static). */
export const DEFAULT_PAUSE_IMAGE = 'drover/pause:1';
export const DEFAULT_PAUSE_BINARY = '/bin/busybox';
/** The pause process: sleeps for good (68 years, s); it is stopped with SIGKILL. */
export const PAUSE_COMMAND = ['/busybox', 'sleep', '2147483647'];
