// The hub's serving certificate over time: loaded or issued at start, then checked every
// interval and re-issued before it expires (kubeadm renews at the same 30-day mark); every
// listener (API, MQTT) subscribes to be handed the new one. An operator's own certificate
// (--tls-cert/--tls-key) is served as is and never re-issued.

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
  current(): ServingCert;
  /** fn runs with each re-issued certificate. */
  onRotate(fn: (cert: ServingCert) => void): void;
  /** Check now (the timer calls this); resolves true when a new certificate was issued. */
  check(now?: number): Promise<boolean>;
  stop(): void;
}

export async function startServingTls(o: ServingTlsOptions): Promise<ServingTls> {
  const ca = await loadOrCreateCa(o.dataDir);
  const operator = o.certFile !== undefined && o.keyFile !== undefined;
  const load = (now?: number) =>
    operator
      ? loadOperatorCert(o.certFile!, o.keyFile!)
      : ensureServingCert(ca, o.dataDir, localSans(o.sans), now);
  let cert = await load();
  if (cert.issued) o.log.info('serving certificate issued', { notAfter: cert.notAfter.toISOString() });
  const listeners: ((c: ServingCert) => void)[] = [];

  const check = async (now?: number) => {
    if (operator) return false;
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
    current: () => cert,
    onRotate: (fn) => {
      listeners.push(fn);
    },
    check,
    stop: () => clearInterval(timer),
  };
}
