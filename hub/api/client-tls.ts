// How an HTTP client of the API proves who it is and whom it trusts: the hub CA and a client
// certificate (or nothing, for a bearer token over the system's roots), as a kubeconfig gives
// them. One undici Agent per credential set; fetch is undici's, so the CLI behaves the same on
// every Node version it supports.

import { Agent, type Dispatcher, fetch as undiciFetch } from 'undici';

export interface ClientTls {
  /** CA(s) that vouch for the server; omitted = the system's roots. */
  caPem?: string;
  certPem?: string;
  keyPem?: string;
}

export type TlsFetch = typeof undiciFetch;

/** A fetch that presents `tls`'s client certificate and trusts its CA. */
export function tlsFetch(tls: ClientTls = {}): TlsFetch {
  const dispatcher: Dispatcher = new Agent({
    connect: {
      ...(tls.caPem ? { ca: tls.caPem } : {}),
      ...(tls.certPem ? { cert: tls.certPem } : {}),
      ...(tls.keyPem ? { key: tls.keyPem } : {}),
    },
  });
  return (input, init) => undiciFetch(input, { ...init, dispatcher });
}
