// First contact over TLS, as kubeadm's token discovery does it: the agent does not yet trust
// the hub's CA, so it opens a TLS connection that verifies nothing, takes the certificate
// chain the hub presents, and accepts the CA only if its public key hash equals the pin from
// the join line (--ca-hash). Not a byte is written on that connection: the bootstrap token is
// sent later, on an MQTT connection that verifies the hub against the pinned CA as usual.

import { X509Certificate } from 'node:crypto';
import { type PeerCertificate, connect as tlsConnect } from 'node:tls';
import { caCertHash } from '../shared/tls/ca-hash.js';

/** The hub presented no certificate whose key matches the pin: maybe not our hub. */
export class CaPinMismatchError extends Error {
  override name = 'CaPinMismatchError';
}

/** The TLS handshake to fetch the chain failed (unreachable, not TLS, timeout). */
export class CaFetchError extends Error {
  override name = 'CaFetchError';
}

export interface FetchPinnedCaOptions {
  host: string;
  port: number;
  /** `sha256:<hex>` */
  caHash: string;
  timeoutMs: number;
}

/** The certificates of a presented chain, leaf first, each once. */
function chainOf(leaf: PeerCertificate & { issuerCertificate?: PeerCertificate }): Buffer[] {
  const out: Buffer[] = [];
  let c: (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined = leaf;
  while (c?.raw && !out.some((b) => b.equals(c!.raw))) {
    out.push(c.raw);
    c = c.issuerCertificate;
  }
  return out;
}

/** Connects, checks the chain against the pin, hangs up; resolves the CA as PEM. */
export function fetchPinnedCa(o: FetchPinnedCaOptions): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = tlsConnect({
      host: o.host,
      port: o.port,
      // Nothing is trusted yet: the pin below is the whole check of this connection.
      rejectUnauthorized: false,
      ...(/^[\d.]+$|:/.test(o.host) ? {} : { servername: o.host }),
    });
    const done = (err: Error | undefined, pem?: string) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(pem!);
    };
    const timer = setTimeout(
      () => done(new CaFetchError(`no TLS handshake with ${o.host}:${o.port} within ${o.timeoutMs} ms`)),
      o.timeoutMs,
    );
    socket.once('secureConnect', () => {
      const chain = chainOf(socket.getPeerCertificate(true));
      const seen = chain.map((der) => caCertHash(der));
      const i = seen.indexOf(o.caHash);
      if (i < 0) {
        done(
          new CaPinMismatchError(
            `the server at ${o.host}:${o.port} presented no CA matching --ca-hash ${o.caHash} (it presented ${seen.join(', ') || 'no certificate'}); refusing to send the bootstrap token. Check the join line from \`drover token create\` and the hub address`,
          ),
        );
        return;
      }
      const ca = new X509Certificate(chain[i]!);
      if (!ca.ca) {
        done(new CaPinMismatchError(`the certificate matching --ca-hash ${o.caHash} is not a CA`));
        return;
      }
      done(undefined, ca.toString());
    });
    socket.once('error', (e) => done(new CaFetchError(`TLS to ${o.host}:${o.port}: ${e.message}`)));
  });
}
