// What one MQTT client may cost the broker, each default with its unit. Checked by
// resolveHubConfig (hub/config.ts) with the other hub options.

import { MAX_AGENT_PAYLOAD_BYTES } from '../../shared/protocol/constants.js';

const KiB = 1024;
const MiB = 1024 * KiB;

export interface BrokerLimits {
  /** Largest packet before the client is authenticated, bytes: a CONNECT (id, user, password, will) is tiny. */
  maxConnectPacketBytes: number;
  /** Largest packet from an authenticated board or joiner, bytes: the largest legitimate report plus its topic. */
  maxPacketBytes: number;
  /** Time from TCP accept to a complete CONNECT, ms; then the socket is closed. */
  connectTimeoutMs: number;
  /** Bytes queued towards one board and not yet taken by its socket, bytes; beyond, the board is disconnected. */
  maxQueuedBytes: number;
  /** Connections between TCP accept and CONNACK at once (TLS handshake, CONNECT, credential check), count; beyond, closed at accept (admission.ts). */
  maxConnecting: number;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  maxConnectPacketBytes: 64 * KiB,
  maxPacketBytes: MAX_AGENT_PAYLOAD_BYTES + 64 * KiB, // 1.5 MiB report + 64 KiB for topic and header
  connectTimeoutMs: 10_000, // 10 s (aedes' default is 30 s)
  maxQueuedBytes: 16 * MiB,
  maxConnecting: 256, // connections
};

/** The smallest value each limit may be set to (a legitimate client must still fit). */
export const MIN_BROKER_LIMITS: BrokerLimits = {
  maxConnectPacketBytes: 1 * KiB,
  maxPacketBytes: MAX_AGENT_PAYLOAD_BYTES + 1 * KiB,
  connectTimeoutMs: 100,
  maxQueuedBytes: 2 * MiB,
  maxConnecting: 1,
};
