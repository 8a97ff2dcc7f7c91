// The hub's CA as the agent trusts it: pinned at the first join (ca-pin.ts) and kept in
// <dataDir>/hub-ca.crt (0600), or given by the operator (--ca-file). Every MQTTS connection
// verifies the hub against it, as any TLS client does against its trust store.

import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caCertHash } from '../shared/tls/ca-hash.js';
import { fetchPinnedCa } from './ca-pin.js';

export const HUB_CA_FILE = 'hub-ca.crt';

/** mqtts:// (or tls:, ssl:) URLs need a CA; mqtt:// (tcp:) do not. */
export function isTlsUrl(url: string): boolean {
  return ['mqtts:', 'tls:', 'ssl:'].includes(new URL(url).protocol);
}

/** TLS options of an MQTT connection to the hub: its CA, verified; empty for mqtt://. */
export type TlsOptions = { ca: string; rejectUnauthorized: true } | Record<string, never>;

/** No CA to verify the hub with: no stored one, no --ca-file, no --ca-hash. */
export class NoHubCaError extends Error {
  override name = 'NoHubCaError';
}

/** Where the agent keeps the hub CA: a file by default; in memory for simulated nodes. */
export interface CaStore {
  load(): string | undefined;
  save(pem: string): void;
}

export function fileCaStore(dataDir: string): CaStore {
  const path = join(dataDir, HUB_CA_FILE);
  return {
    load: () => {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    save: (pem) => {
      mkdirSync(dataDir, { recursive: true });
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, pem, { mode: 0o600 });
      chmodSync(tmp, 0o600); // the umask filters writeFileSync's mode
      renameSync(tmp, path);
    },
  };
}

export function memoryCaStore(initial?: string): CaStore {
  let pem = initial;
  return {
    load: () => pem,
    save: (p) => {
      pem = p;
    },
  };
}

export interface HubCaOptions {
  hubUrl: string;
  /** Operator-given CA (PEM text of --ca-file). */
  caPem?: string;
  /** The pin from the join line. */
  caHash?: string;
  store: CaStore;
  timeoutMs: number;
}

/**
 * The CA to verify the hub with: --ca-file, else the stored one (if it matches the pin when a
 * pin is given), else one fetched and checked against the pin, then stored.
 */
export async function resolveHubCa(o: HubCaOptions): Promise<string> {
  if (o.caPem) return o.caPem;
  const stored = o.store.load();
  if (stored && (o.caHash === undefined || caCertHash(stored) === o.caHash)) return stored;
  if (!o.caHash)
    throw new NoHubCaError(
      `${o.hubUrl} is TLS and this board does not know the hub's CA yet: pass --ca-hash sha256:... from the join line (\`drover token create\` prints it) or --ca-file`,
    );
  const u = new URL(o.hubUrl);
  const pem = await fetchPinnedCa({
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || 8883),
    caHash: o.caHash,
    timeoutMs: o.timeoutMs,
  });
  o.store.save(pem);
  return pem;
}
