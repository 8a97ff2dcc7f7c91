// Protocol constants shared by hub and agent. Defaults mirror Kubernetes' where one exists.

export const PROTOCOL_VERSION = 1;

/** MQTT protocol level: 3.1.1 (4). NATS' MQTT listener refuses MQTT 5. */
export const MQTT_PROTOCOL_VERSION = 4;

/** Default broker port: MQTTS (IANA's secure-mqtt). */
export const DEFAULT_MQTT_TLS_PORT = 8883;
/** Default API server port (plain HTTP on loopback until API TLS lands; kube-apiserver's old insecure port). */
export const DEFAULT_API_PORT = 8080;

/** Heartbeat (lease renew) interval, ms. Kubernetes: node lease renew every 10 s. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
/** Full node status report interval, ms. Kubernetes: nodeStatusReportFrequency 5 min; we send on change or every 60 s. */
export const DEFAULT_STATUS_INTERVAL_MS = 60_000;
/** Node monitor grace period, ms. Kubernetes: node-monitor-grace-period 40 s. */
export const DEFAULT_NODE_GRACE_MS = 40_000;
/** Debounce after a last-will before marking NotReady, ms: a quick reconnect does not flap. */
export const DEFAULT_WILL_DEBOUNCE_MS = 500;
/** MQTT keepalive, seconds. The broker fires the last will after 1.5x this without packets. */
export const DEFAULT_MQTT_KEEPALIVE_S = 30;

/**
 * Agent reconnect backoff, ms (agent/backoff.ts): the first retry after a lost connection waits
 * a uniform random time in [0, RECONNECT_MIN_MS]; each later one (the last attempt was refused
 * or timed out) a uniform time in [RECONNECT_MIN_MS, window], the window doubling to
 * RECONNECT_MAX_MS. Full jitter (AWS "Exponential Backoff And Jitter"; client-go's backoff
 * managers jitter by 1.0): a fleet that lost its hub comes back spread, not in lockstep.
 */
export const RECONNECT_MIN_MS = 500;
export const RECONNECT_MAX_MS = 30_000;
/** The longest an agent waits between two reconnect attempts, ms: the top of the window. */
export const RECONNECT_LONGEST_WAIT_MS = RECONNECT_MAX_MS;

/** Usernames the broker recognises. */
export const HUB_USERNAME = 'drover-hub';
export const BOOTSTRAP_USERNAME_PREFIX = 'bootstrap:';
export const NODE_USERNAME_PREFIX = 'node:';
/** MQTT client ids: a node connects as node-<name>, a joiner as join-<random>. */
export const NODE_CLIENT_ID_PREFIX = 'node-';
export const JOIN_CLIENT_ID_PREFIX = 'join-';
export const nodeClientId = (node: string) => `${NODE_CLIENT_ID_PREFIX}${node}`;

/** Kubernetes bootstrap token shape: [a-z0-9]{6}.[a-z0-9]{16}. */
export const BOOTSTRAP_TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** Largest MQTT payload the hub accepts from an agent, bytes. */
export const MAX_AGENT_PAYLOAD_BYTES = 1_572_864;
/** Deepest JSON nesting the hub accepts in an agent's payload, levels (a pod status needs ~8). */
export const MAX_AGENT_PAYLOAD_DEPTH = 32;

/** Node taints and condition names used by the node lifecycle controller. */
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';

/** Set by `scripts/bundle-agent.mjs --version V` (esbuild define); absent in the tsc build. */
declare const __DROVER_VERSION__: string | undefined;
/** Version string agents report as kubeletVersion (an agent rollout's revision, issue #10). */
export const DROVER_VERSION = typeof __DROVER_VERSION__ === 'string' ? __DROVER_VERSION__ : 'v0.1.0-drover';

/** RPC methods the hub calls on an agent (nodes/{node}/rpc/req/{id}). `cancel` reuses the call's id. */
export const RPC_METHOD_LOGS = 'logs';
export const RPC_METHOD_CANCEL = 'cancel';
/** kubectl exec: `exec` starts the command; `stdin` and `resize` reuse the call's id. */
export const RPC_METHOD_EXEC = 'exec';
export const RPC_METHOD_STDIN = 'stdin';
export const RPC_METHOD_RESIZE = 'resize';
/**
 * kubectl port-forward: `portforward` connects to a port of the pod; the bytes into the pod are
 * `stdin` requests on the call's id, the bytes out are the response chunks (base64).
 */
export const RPC_METHOD_PORTFORWARD = 'portforward';
/** An exec response chunk's `stream`: the process' stdout and stderr (Kubernetes' channel numbers). */
export const EXEC_STREAM_STDOUT = 1;
export const EXEC_STREAM_STDERR = 2;
/** Largest text per RPC response chunk, characters (well under the payload limit). */
export const RPC_CHUNK_CHARS = 32 * 1024;

/**
 * kubectl port-forward (hub <-> kubectl): Kubernetes' portforward protocol over SPDY/3, on an
 * upgraded connection (`Upgrade: SPDY/3.1`) or tunnelled in a WebSocket whose subprotocol is
 * the prefix + the protocol (kubectl 1.31+). Each forwarded connection is a pair of streams
 * (an error and a data stream) that share a request id.
 */
export const PORTFORWARD_PROTOCOL_V1 = 'portforward.k8s.io';
export const SPDY_UPGRADE = 'SPDY/3.1';
export const SPDY_TUNNEL_PREFIX = 'SPDY/3.1+';
export const PORTFORWARD_HEADER_STREAM_TYPE = 'streamtype';
export const PORTFORWARD_HEADER_PORT = 'port';
export const PORTFORWARD_HEADER_REQUEST_ID = 'requestid';
export const PORTFORWARD_STREAM_ERROR = 'error';
export const PORTFORWARD_STREAM_DATA = 'data';

/** Images in node.status.images, largest first: the kubelet's nodeStatusMaxImages default. */
export const NODE_STATUS_MAX_IMAGES = 50;
/** Names kept per image in node.status.images: the kubelet's maxNamesPerImageInNodeStatus. */
export const NODE_STATUS_MAX_NAMES_PER_IMAGE = 5;

/**
 * kubectl exec over WebSocket (Kubernetes' remotecommand protocol, hub <-> kubectl): every
 * binary message starts with its channel; v5 adds the close signal that half-closes a channel.
 */
export const EXEC_PROTOCOL_V5 = 'v5.channel.k8s.io';
export const EXEC_PROTOCOL_V4 = 'v4.channel.k8s.io';
export const EXEC_CHANNEL_STDIN = 0;
export const EXEC_CHANNEL_STDOUT = 1;
export const EXEC_CHANNEL_STDERR = 2;
/** The exec's outcome as a metav1.Status (JSON), sent once before the connection closes. */
export const EXEC_CHANNEL_ERROR = 3;
/** Terminal size as JSON `{"Width":80,"Height":24}`. */
export const EXEC_CHANNEL_RESIZE = 4;
/** v5: `[255, channel]` closes that channel (stdin's end-of-file). */
export const EXEC_CLOSE_SIGNAL = 255;

/**
 * TCP port of every board's proxy relay (agent/proxy/relay.ts): another board's proxy reaches
 * this board's pods through it, since boards share no pod network. One fleet-wide number.
 */
export const PROXY_RELAY_PORT = 10263;
/** The relay's request line, bytes at most (`<ipv4>:<port>\n`). */
export const PROXY_RELAY_MAX_HEADER_BYTES = 64;
/** The relay's answer once the pod accepted the connection. */
export const PROXY_RELAY_OK = 'OK\n';

/** Agent usage samples for the metrics API, ms (metrics-server's default --metric-resolution 15 s). */
export const METRICS_INTERVAL_MS = 15_000;
/** A node's usage older than this is not served, ms (4 missed samples: the board is gone). */
export const METRICS_STALE_MS = 60_000;
