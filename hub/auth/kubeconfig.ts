// Kubeconfig files the hub hands out (clientcmd's v1 Config): the hub CA as
// certificate-authority-data and the user's client certificate and key inline, so
// `kubectl --kubeconfig FILE` works with nothing typed. The user's identity is in the certificate
// (CN = user, O = groups), as the Kubernetes x509 authenticator reads it.

import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { type ClientSubject, type HubCa, SERVING_RENEW_BEFORE_DAYS } from './pki.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export interface KubeconfigParams {
  server: string;
  /** CA to trust for the server; omitted = the system's roots (an operator's own certificate). */
  caPem?: string;
  user: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
}

export function kubeconfigYaml(p: KubeconfigParams): string {
  const user: Record<string, string> = {};
  if (p.clientCertPem) user['client-certificate-data'] = b64(p.clientCertPem);
  if (p.clientKeyPem) user['client-key-data'] = b64(p.clientKeyPem);
  if (p.token) user.token = p.token;
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'drover',
        cluster: { server: p.server, ...(p.caPem ? { 'certificate-authority-data': b64(p.caPem) } : {}) },
      },
    ],
    users: [{ name: p.user, user }],
    contexts: [{ name: 'drover', context: { cluster: 'drover', user: p.user } }],
    'current-context': 'drover',
  });
}

/** A kubeconfig for `subject` with a fresh client certificate from the hub CA. */
export async function clientKubeconfig(
  ca: HubCa,
  server: string,
  subject: ClientSubject,
  serverCaPem: string | undefined = ca.certPem,
): Promise<string> {
  const { certPem, keyPem } = await ca.issueClientCert(subject);
  return kubeconfigYaml({
    server,
    ...(serverCaPem ? { caPem: serverCaPem } : {}),
    user: subject.user,
    clientCertPem: certPem,
    clientKeyPem: keyPem,
  });
}

/**
 * The client certificate and key of an existing kubeconfig when `ca` signed it for `subject` and
 * it has more than the renewal margin left: a restart keeps the admin's certificate (and copies
 * of the kubeconfig elsewhere keep working) instead of issuing a new one each time.
 */
export async function reusableClientCert(
  path: string,
  ca: HubCa,
  subject: ClientSubject,
  now = Date.now(),
): Promise<{ certPem: string; keyPem: string } | undefined> {
  try {
    const doc = parseYaml(await readFile(path, 'utf8')) as { users?: { user?: Record<string, string> }[] };
    const u = doc.users?.[0]?.user ?? {};
    const certPem = Buffer.from(u['client-certificate-data'] ?? '', 'base64').toString('utf8');
    const keyPem = Buffer.from(u['client-key-data'] ?? '', 'base64').toString('utf8');
    const cert = new X509Certificate(certPem);
    const caCert = new X509Certificate(ca.certPem);
    const fresh = Date.parse(cert.validTo) - now > SERVING_RENEW_BEFORE_DAYS * 86_400_000;
    const ours = cert.checkIssued(caCert) && cert.verify(caCert.publicKey);
    const subj = `O=${(subject.groups ?? []).join('\nO=')}\nCN=${subject.user}`;
    return fresh && ours && cert.subject === subj ? { certPem, keyPem } : undefined;
  } catch {
    return undefined;
  }
}

/** The hub's own admin: cluster-admin through the system:masters group, as kubeadm's admin.conf. */
export const ADMIN_SUBJECT: ClientSubject = { user: 'kubernetes-admin', groups: ['system:masters'] };
