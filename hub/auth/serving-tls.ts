// The hub's serving certificates over time: loaded or issued at start, then checked every
// interval and re-issued before they expire (kubeadm renews at the same 30-day mark); every
// listener (API, MQTT) subscribes to be handed the new one.
// An operator's own certificate (--tls-cert/--tls-key) is served as is on the HTTPS API and
// never re-issued. MQTTS always serves the hub-CA certificate: boards trust the hub CA that
// their join line pins (kubeadm's discovery hash pins the cluster CA the same way, and kubelets
// keep trusting it whatever certificate the API shows people), so a board never depends on an
// outside PKI or on the operator renewing theirs.

import type { Logger } from '../../shared/log.js';
import {
  ensureServingCert,
  type HubCa,
  loadOperatorCert,
  loadOrCreateCa,
  localSans,
  type ServingCert,
} from './pki.js';

export interface ServingTlsOptions {
  dataDir: string;
  /** Extra SANs (--tls-san). */
  sans: string[];
  certFile?: string;
  keyFile?: string;
  checkIntervalMs: number;
  log: Logger;
}

export interface ServingTls {
  ca: HubCa;
  /** What the HTTPS API serves: the operator's certificate, else the hub-CA one. */
  current(): ServingCert;
  /** The hub-CA certificate (MQTTS serves it, with the CA, whatever the API serves). */
  managed(): ServingCert;
  /** fn runs with each re-issued hub-CA certificate. */
  onRotate(fn: (cert: ServingCert) => void): void;
  /** Check now (the timer calls this); resolves true when a new certificate was issued. */
  check(now?: number): Promise<boolean>;
  stop(): void;
}

export async function startServingTls(o: ServingTlsOptions): Promise<ServingTls> {
  const ca = await loadOrCreateCa(o.dataDir);
  const operator =
    o.certFile !== undefined && o.keyFile !== undefined
      ? await loadOperatorCert(o.certFile, o.keyFile)
      : undefined;
  const load = (now?: number) => ensureServingCert(ca, o.dataDir, localSans(o.sans), now);
  let cert = await load();
  if (cert.issued) o.log.info('serving certificate issued', { notAfter: cert.notAfter.toISOString() });
  const listeners: ((c: ServingCert) => void)[] = [];

  const check = async (now?: number) => {
    const next = await load(now);
    if (!next.issued) return false;
    cert = next;
    o.log.info('serving certificate re-issued', { notAfter: cert.notAfter.toISOString() });
    for (const fn of listeners) fn(cert);
    return true;
  };
  const timer = setInterval(() => {
    check().catch((e: Error) => o.log.warn('serving certificate check failed', { error: e }));
  }, o.checkIntervalMs);
  timer.unref();

  return {
    ca,
    current: () => operator ?? cert,
    managed: () => cert,
    onRotate: (fn) => {
      listeners.push(fn);
    },
    check,
    stop: () => clearInterval(timer),
  };
}

/** The MQTTS certificate chain: the hub-CA certificate, then the CA a board's first contact pins (agent/ca-pin.ts). */
export function mqttTls(ca: HubCa, managed: ServingCert): { certPem: string; keyPem: string } {
  return { certPem: `${managed.certPem.trim()}\n${ca.certPem.trim()}\n`, keyPem: managed.keyPem };
}
