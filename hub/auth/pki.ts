// The hub's PKI, as kubeadm lays it out: a self-signed CA made on first start, a serving
// certificate signed by it (for the API's HTTPS and the broker's MQTTS), and client
// certificates for users (CN = user name, O = groups, as the Kubernetes x509 authenticator reads them).
//
// What this module offers (other components use only these):
//   pkiPaths(dataDir)                          where the files live (<dataDir>/pki/, dir 0700, files 0600)
//   loadOrCreateCa(dataDir) -> HubCa           the CA: PEMs, its `sha256:<hex>` hash, issue helpers
//   ensureServingCert(ca, dataDir, opts)       the serving cert on disk, re-issued when it nears
//                                              expiry or lacks a wanted SAN -> ServingCert
//   loadOperatorCert(certFile, keyFile)        an operator's own serving cert (--tls-cert/--tls-key)
//   issueServingCert(ca, sans) / issueClientCert(ca, {user, groups})   fresh key pairs, PEM
//   caCertHash(certPem)                        kubeadm's discovery hash: `sha256:` + hex SHA-256
//                                              of the certificate's DER SubjectPublicKeyInfo
//   localSans(extra)                           every local address + hostname + localhost + extra
//
// Keys are ECDSA P-256 (fast to make on a board-sized machine; Go's TLS and kubectl accept them).
// X.509 encoding is @peculiar/x509's; the key material is Node's WebCrypto.

import { createPrivateKey, X509Certificate as NodeX509, webcrypto } from 'node:crypto';
// One implementation for hub and agent (the agent cannot load this module: no x509 library on boards).
import { caCertHash } from '../../shared/tls/ca-hash.js';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';

let lib: Promise<typeof X509> | undefined;
/**
 * @peculiar/x509, loaded on first use: it takes a second to load on a small board, and a hub
 * whose certificates are all still good never needs it (reading them is Node's X509Certificate).
 */
function x509(): Promise<typeof X509> {
  lib ??= (async () => {
    await import('reflect-metadata'); // tsyringe, under @peculiar/x509, needs it first
    const m = await import('@peculiar/x509');
    m.cryptoProvider.set(webcrypto as unknown as Parameters<typeof m.cryptoProvider.set>[0]);
    return m;
  })();
  return lib;
}

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** CA lifetime, days (kubeadm: 10 years). */
export const CA_VALIDITY_DAYS = 3650;
/** Serving and client certificate lifetime, days (kubeadm: 1 year). */
export const LEAF_VALIDITY_DAYS = 365;
/** Re-issue the serving certificate when fewer than this many days remain, days. */
export const SERVING_RENEW_BEFORE_DAYS = 30;
/** notBefore is set this far in the past so a peer with a slightly late clock accepts it, ms (kubeadm: 5 min). */
const BACKDATE_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

const KEY_ALG: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN_ALG: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

export interface Sans {
  dns: string[];
  ips: string[];
}

export interface HubCa extends KeyPairPem {
  /** `sha256:<hex>` of the CA's SubjectPublicKeyInfo (what agents pin). */
  hash: string;
  issueServingCert(sans: Sans, validityDays?: number): Promise<KeyPairPem>;
  issueClientCert(subject: ClientSubject, validityDays?: number): Promise<KeyPairPem>;
}

export interface ClientSubject {
  user: string;
  groups?: string[];
}

export interface ServingCert extends KeyPairPem {
  notAfter: Date;
  /** True when this call wrote a new certificate. */
  issued: boolean;
  /** False for an operator's own certificate: the hub never re-issues it. */
  managed: boolean;
}

/** A certificate or key file cannot be read or does not hold what it should. */
export class PkiFileError extends Error {
  override name = 'PkiFileError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

export const pkiPaths = (dataDir: string) => {
  const dir = join(dataDir, 'pki');
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'serving.crt'),
    servingKey: join(dir, 'serving.key'),
  };
};

// ---- small helpers ----

async function keyPemOf(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();
}

async function importSigningKey(keyPem: string, path: string): Promise<CryptoKey> {
  try {
    const der = createPrivateKey(keyPem).export({ format: 'der', type: 'pkcs8' });
    return await webcrypto.subtle.importKey('pkcs8', der, KEY_ALG, true, ['sign']);
  } catch (e) {
    throw new PkiFileError(path, `not a PKCS#8 ECDSA P-256 private key (${(e as Error).message})`);
  }
}

const newKeys = () =>
  webcrypto.subtle.generateKey(KEY_ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;

/** A positive 128-bit serial (RFC 5280: at most 20 octets, positive). */
function serial(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x01;
  return Buffer.from(b).toString('hex');
}

function validity(days: number, now = Date.now()) {
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + days * DAY_MS) };
}

async function writeSecret(path: string, data: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode: 0o600 });
  await rename(tmp, path);
}

const readIfExists = (path: string) => readFile(path, 'utf8').catch(() => undefined);

/** kubeadm's --discovery-token-ca-cert-hash form for a certificate. */
export { caCertHash };

/** The names a board or a laptop may use to reach this host, plus `extra` (--tls-san). */
export function localSans(extra: string[] = []): Sans {
  const dns = new Set<string>(['localhost', hostname()]);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) ips.add(a.address.replace(/%.*$/, ''));
  }
  for (const s of extra) (isIP(s) ? ips : dns).add(s);
  return { dns: [...dns].filter(Boolean).sort(), ips: [...ips].sort() };
}

// ---- the CA ----

async function createCaFiles(paths: ReturnType<typeof pkiPaths>): Promise<void> {
  const x = await x509();
  const keys = await newKeys();
  const cert = await x.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ [OID_CN]: ['drover-ca'] }],
    keys,
    signingAlgorithm: SIGN_ALG,
    ...validity(CA_VALIDITY_DAYS),
    extensions: [
      new x.BasicConstraintsExtension(true, 0, true),
      new x.KeyUsagesExtension(
        x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.cRLSign | x.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  // Key first: a CA cert on disk without its key would be unusable on the next start.
  await writeSecret(paths.caKey, await keyPemOf(keys.privateKey));
  await writeSecret(paths.caCert, cert.toString('pem'));
}

/** Loads the CA from <dataDir>/pki, creating it on first start. */
export async function loadOrCreateCa(dataDir: string): Promise<HubCa> {
  const paths = pkiPaths(dataDir);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await chmod(paths.dir, 0o700);
  let certPem = await readIfExists(paths.caCert);
  let keyPem = await readIfExists(paths.caKey);
  if (certPem === undefined || keyPem === undefined) {
    await createCaFiles(paths);
    certPem = await readFile(paths.caCert, 'utf8');
    keyPem = await readFile(paths.caKey, 'utf8');
  }
  try {
    new NodeX509(certPem);
  } catch (e) {
    throw new PkiFileError(paths.caCert, `not a PEM certificate (${(e as Error).message})`);
  }
  const signingKey = await importSigningKey(keyPem, paths.caKey);
  const caPem = { certPem, keyPem };

  const issue = async (
    subject: X509.JsonName,
    extensions: (x: typeof X509) => X509.Extension[],
    validityDays: number,
  ): Promise<KeyPairPem> => {
    const x = await x509();
    const caCert = new x.X509Certificate(certPem);
    const keys = await newKeys();
    const cert = await x.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: caCert.subject,
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: SIGN_ALG,
      ...validity(validityDays),
      extensions: [
        new x.BasicConstraintsExtension(false, undefined, true),
        new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature | x.KeyUsageFlags.keyEncipherment, true),
        await x.AuthorityKeyIdentifierExtension.create(caCert),
        ...extensions(x),
      ],
    });
    return { certPem: cert.toString('pem'), keyPem: await keyPemOf(keys.privateKey) };
  };

  return {
    ...caPem,
    hash: caCertHash(certPem),
    issueServingCert: (sans, days = LEAF_VALIDITY_DAYS) =>
      issue(
        [{ [OID_CN]: ['drover-hub'] }],
        (x) => [
          new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.serverAuth]),
          new x.SubjectAlternativeNameExtension([
            ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
            ...sans.ips.map((value) => ({ type: 'ip' as const, value })),
          ]),
        ],
        days,
      ),
    // Kubernetes reads the user from CN and each group from one O attribute.
    issueClientCert: ({ user, groups = [] }, days = LEAF_VALIDITY_DAYS) =>
      issue(
        [...groups.map((g) => ({ [OID_O]: [g] })), { [OID_CN]: [user] }],
        (x) => [new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.clientAuth])],
        days,
      ),
  };
}

// ---- the serving certificate ----

/** Why a serving certificate must be re-issued, or undefined when it is still good. */
export function servingRenewalReason(
  certPem: string,
  caPem: string,
  sans: Sans,
  now = Date.now(),
  renewBeforeDays = SERVING_RENEW_BEFORE_DAYS,
): string | undefined {
  let cert: NodeX509;
  try {
    cert = new NodeX509(certPem);
  } catch {
    return 'unreadable';
  }
  if (!cert.checkIssued(new NodeX509(caPem)) || !cert.verify(new NodeX509(caPem).publicKey))
    return 'not signed by the hub CA';
  if (Date.parse(cert.validTo) - now < renewBeforeDays * DAY_MS) return 'near expiry';
  const have = new Set((cert.subjectAltName ?? '').toLowerCase().split(', '));
  const missing = [
    ...sans.dns.map((d) => `dns:${d.toLowerCase()}`),
    ...sans.ips.map((ip) => `ip address:${sanIpText(ip)}`),
  ].filter((n) => !have.has(n));
  return missing.length ? `missing SANs ${missing.join(' ')}` : undefined;
}

/** Node prints IPv6 SANs in full form (`0:0:0:0:0:0:0:1`); normalise ours the same way (lower case). */
function sanIpText(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const zeros = ip.includes('::') ? Array<string>(8 - h.length - t.length).fill('0') : [];
  return [...h, ...zeros, ...t].map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/**
 * The serving certificate in <dataDir>/pki, issued on first start and re-issued when it nears
 * expiry, lacks one of `sans`, or is not signed by `ca` (kubeadm renews the same way, by date).
 */
export async function ensureServingCert(
  ca: HubCa,
  dataDir: string,
  sans: Sans,
  now = Date.now(),
): Promise<ServingCert> {
  const paths = pkiPaths(dataDir);
  const certPem = await readIfExists(paths.servingCert);
  const keyPem = await readIfExists(paths.servingKey);
  if (certPem && keyPem && servingRenewalReason(certPem, ca.certPem, sans, now) === undefined) {
    return {
      certPem,
      keyPem,
      notAfter: new Date(new NodeX509(certPem).validTo),
      issued: false,
      managed: true,
    };
  }
  const fresh = await ca.issueServingCert(sans);
  await writeSecret(paths.servingKey, fresh.keyPem);
  await writeSecret(paths.servingCert, fresh.certPem);
  return { ...fresh, notAfter: new Date(new NodeX509(fresh.certPem).validTo), issued: true, managed: true };
}

/** An operator's own serving certificate and key (PEM files); the hub never re-issues it. */
export async function loadOperatorCert(certFile: string, keyFile: string): Promise<ServingCert> {
  const certPem = await readFile(certFile, 'utf8').catch((e: Error) => {
    throw new PkiFileError(certFile, e.message);
  });
  const keyPem = await readFile(keyFile, 'utf8').catch((e: Error) => {
    throw new PkiFileError(keyFile, e.message);
  });
  let cert: NodeX509;
  try {
    cert = new NodeX509(certPem);
  } catch (e) {
    throw new PkiFileError(certFile, `not a PEM certificate (${(e as Error).message})`);
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem)))
      throw new Error('key does not match the certificate');
  } catch (e) {
    throw new PkiFileError(keyFile, (e as Error).message);
  }
  return { certPem, keyPem, notAfter: new Date(cert.validTo), issued: false, managed: false };
}
