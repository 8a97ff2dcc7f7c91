// `pods/{name}/portforward` (kubectl port-forward): Kubernetes' portforward protocol over
// SPDY/3, which kubectl 1.31+ tunnels in a WebSocket (subprotocol `SPDY/3.1+portforward.k8s.io`,
// SPDY frames as binary messages) and older clients (or KUBECTL_PORT_FORWARD_WEBSOCKETS=false)
// send on a connection upgraded to `SPDY/3.1`; both are served by the same session. Each
// forwarded connection becomes a `portforward` RPC to the pod's board, whose agent connects to
// the port (forward.ts). Refusals before the handshake (no pod, completed pod, node not Ready,
// no gateway, an unknown protocol) are Status responses, as for exec; authorization (`create`
// on pods/portforward) ran before this handler (upgrade.ts).

import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import {
  PORTFORWARD_PROTOCOL_V1,
  SPDY_TUNNEL_PREFIX,
  SPDY_UPGRADE,
} from '../../../shared/protocol/constants.js';
import { BadRequestError, ServiceUnavailableError } from '../errors.js';
import { offeredProtocols, type PodUpgradeOptions, podOf } from '../http/pod-upgrade.js';
import type { UpgradeHandler } from '../http/upgrade.js';
import { checkNode } from '../pod-logs.js';
import { StreamPairs } from './pairs.js';
import { SpdyServerSession } from './spdy-session.js';

/** The WebSocket subprotocol kubectl asks for. */
const TUNNEL_PROTOCOL = `${SPDY_TUNNEL_PREFIX}${PORTFORWARD_PROTOCOL_V1}`;
/** Largest WebSocket message accepted, bytes (one SPDY frame of at most 32 KiB data per message). */
const MAX_WS_MESSAGE_BYTES = 1024 * 1024;

export type PodPortForwardOptions = PodUpgradeOptions;

export function createPodPortForwardHandler(o: PodPortForwardOptions): UpgradeHandler {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WS_MESSAGE_BYTES,
    handleProtocols: (asked) => (asked.has(TUNNEL_PROTOCOL) ? TUNNEL_PROTOCOL : false),
  });
  return async (ctx) => {
    const { req, namespace: ns, name } = ctx;
    const pod = await podOf(o.client, ns, name);
    const nodeName = pod.spec.nodeName;
    if (!nodeName) throw new BadRequestError(`pod ${name} does not have a host assigned`);
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed')
      throw new BadRequestError(
        `cannot port-forward to a completed pod; current phase is ${pod.status.phase}`,
      );
    await checkNode(o.client, nodeName, name, 'its ports cannot be reached');
    const rpc = o.rpc();
    if (!rpc)
      throw new ServiceUnavailableError('the hub gateway is not running: no node can be asked to forward');

    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    const wantsWs = upgrade === 'websocket';
    const asked = offeredProtocols(
      wantsWs ? req.headers['sec-websocket-protocol'] : req.headers['x-stream-protocol-version'],
    );
    const wanted = wantsWs ? TUNNEL_PROTOCOL : PORTFORWARD_PROTOCOL_V1;
    if (!wantsWs && upgrade !== SPDY_UPGRADE.toLowerCase())
      throw new BadRequestError(
        `port-forward is served over ${SPDY_UPGRADE} or a WebSocket tunnelling it (${TUNNEL_PROTOCOL}), not ${String(req.headers.upgrade ?? 'a plain request')}`,
      );
    if (!asked.includes(wanted))
      throw new BadRequestError(
        `none of the offered protocols [${asked.join(', ')}] is served; this hub speaks ${wanted}`,
      );

    const target = { rpc, node: nodeName, namespace: ns, pod: name, uid: pod.metadata.uid ?? '' };
    const serve = (transport: Duplex) => {
      o.log.debug('port-forward started', { pod: `${ns}/${name}`, user: ctx.user.name });
      let pairs: StreamPairs | undefined;
      const session = new SpdyServerSession(
        transport,
        (s) => pairs?.onStream(s),
        (why) => {
          pairs?.close();
          if (why) o.log.debug('port-forward session ended', { pod: `${ns}/${name}`, error: why.message });
        },
      );
      pairs = new StreamPairs(session, target);
    };
    if (wantsWs) {
      wss.handleUpgrade(req, ctx.socket, ctx.head, (ws) => serve(createWebSocketStream(ws)));
      return;
    }
    ctx.socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n' +
        `Upgrade: ${SPDY_UPGRADE}\r\nX-Stream-Protocol-Version: ${PORTFORWARD_PROTOCOL_V1}\r\n\r\n`,
    );
    if (ctx.head.length) ctx.socket.unshift(ctx.head);
    serve(ctx.socket);
  };
}
