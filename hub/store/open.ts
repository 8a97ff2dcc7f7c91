// Picks the store backend from the hub's --store option: unset = SQLite in the data directory
// (one hub, the embedded default); `nats://h1:4222,nats://h2:4222` = JetStream KV on that NATS
// cluster (several hubs). Only hub.ts calls this; components see the Store interface alone.

import type { NatsConnection } from 'nats';
import type { Logger } from '../../shared/log.js';
import { JetStreamStore } from './jetstream.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

export interface StoreChoice {
  /** Undefined = SQLite; else comma-separated nats:// URLs. */
  store?: string;
  /** JetStream replicas of the bucket when the hub creates it. */
  storeReplicas: number;
  /** How often the store's NATS connection pings the server, ms (default DEFAULT_PING_INTERVAL_MS). */
  storePingIntervalMs?: number;
  /** The SQLite file (in the hub's data directory). */
  sqlitePath: string;
}

export interface OpenedStore {
  store: Store;
  backend: 'sqlite' | 'jetstream';
  /** The store's NATS connection (JetStream only): leader election and hub-to-hub subjects use it. */
  nats?: NatsConnection;
}

/** The NATS server URLs named by a --store value, or undefined for SQLite. */
export function natsServers(store: string | undefined): string[] | undefined {
  if (store === undefined || store === '' || store === 'sqlite') return undefined;
  return store
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export async function openStore(c: StoreChoice, log: Logger): Promise<OpenedStore> {
  const servers = natsServers(c.store);
  if (!servers) return { store: SqliteStore.open(c.sqlitePath), backend: 'sqlite' };
  const store = await JetStreamStore.open({
    servers,
    replicas: c.storeReplicas,
    log,
    name: 'drover-hub',
    pingIntervalMs: c.storePingIntervalMs,
  });
  return { store, backend: 'jetstream', nats: store.connection };
}
