// Opening a backend connection: straight to a pod on this board, or through another board's
// relay (request line `<ip>:<port>\n`, answer `OK\n` once that pod accepted). Resolves with the
// connected socket or rejects, so the caller can try the next backend.

import { connect, type Socket } from 'node:net';
import { PROXY_RELAY_OK } from '../../shared/protocol/constants.js';
import type { Backend } from './routes.js';

export class BackendConnectError extends Error {
  override name = 'BackendConnectError';
}

function open(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, allowHalfOpen: true });
    const t = setTimeout(() => {
      s.destroy();
      reject(new BackendConnectError(`${host}:${port}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(new BackendConnectError(`${host}:${port}: ${e.message}`));
    });
  });
}

/** Reads the relay's answer; anything but OK (or a close) rejects. */
function relayAnswer(s: Socket, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const done = (err?: Error) => {
      clearTimeout(t);
      s.off('data', onData);
      s.off('close', onClose);
      s.off('error', onClose);
      if (err) {
        s.destroy();
        reject(err);
      }
    };
    const t = setTimeout(() => done(new BackendConnectError('relay: no answer')), timeoutMs);
    const onClose = () =>
      done(new BackendConnectError('relay: refused (the pod is not there or did not accept)'));
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length < PROXY_RELAY_OK.length) return;
      if (got.subarray(0, PROXY_RELAY_OK.length).toString() !== PROXY_RELAY_OK)
        return done(new BackendConnectError('relay: bad answer'));
      done();
      s.pause();
      resolve(got.subarray(PROXY_RELAY_OK.length));
    };
    s.on('data', onData);
    s.once('close', onClose);
    s.once('error', onClose);
  });
}

export interface Connected {
  socket: Socket;
  /** Bytes the relay sent after its answer (the pod spoke first). */
  early: Buffer;
}

export async function connectBackend(b: Backend, timeoutMs: number): Promise<Connected> {
  if (!b.via) return { socket: await open(b.ip, b.port, timeoutMs), early: Buffer.alloc(0) };
  const s = await open(b.via.host, b.via.port, timeoutMs);
  s.write(`${b.ip}:${b.port}\n`);
  const early = await relayAnswer(s, timeoutMs);
  return { socket: s, early };
}
