// `pods/{name}/exec` (kubectl exec): the command runs on the pod's board, reached over the MQTT
// RPC (`exec`, with `stdin`/`resize` on the same call), and kubectl speaks Kubernetes' channel
// protocol over a WebSocket (v5.channel.k8s.io, which kubectl 1.30+ asks first; v4 also served).
// Steps, each refusing with a Status before the handshake: query -> pod and container -> node
// reachable -> protocol; then the agent starts the command -> handshake -> relay (bridge.ts).
// kubectl falls back to SPDY whenever the WebSocket handshake is refused: that request passes
// the same steps, so it gets the same error, and is otherwise refused with a clear word since
// SPDY is not served. So the agent's refusal (a stopped container) comes after the handshake,
// as a Status on the error channel, as kube-apiserver relays the kubelet's.

import { WebSocketServer } from 'ws';
import { EXEC_PROTOCOL_V4, EXEC_PROTOCOL_V5, RPC_METHOD_EXEC } from '../../../shared/protocol/constants.js';
import { RpcRemoteError } from '../../gateway/rpc.js';
import { BadRequestError, InternalError, ServiceUnavailableError } from '../errors.js';
import { offeredProtocols, type PodUpgradeOptions, podOf } from '../http/pod-upgrade.js';
import type { UpgradeHandler } from '../http/upgrade.js';
import { checkNode, pickContainer } from '../pod-logs.js';
import { ExecBridge } from './bridge.js';
import { parseExecQuery } from './query.js';

/** Largest WebSocket message accepted from kubectl, bytes (kubectl sends stdin in 32 KiB reads). */
const MAX_WS_MESSAGE_BYTES = 1024 * 1024;
/** Subprotocols served, preferred first. */
const PROTOCOLS = [EXEC_PROTOCOL_V5, EXEC_PROTOCOL_V4];

export type PodExecOptions = PodUpgradeOptions;

export function createPodExecHandler(o: PodExecOptions): UpgradeHandler {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WS_MESSAGE_BYTES,
    handleProtocols: (asked) => PROTOCOLS.find((p) => asked.has(p)) ?? false,
  });
  return async (ctx) => {
    const { req, namespace: ns, name } = ctx;
    const q = parseExecQuery(ctx.query);
    const pod = await podOf(o.client, ns, name);
    const container = pickContainer(pod, q.container);
    const nodeName = pod.spec.nodeName;
    if (!nodeName) throw new BadRequestError(`pod ${name} does not have a host assigned`);
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed')
      throw new BadRequestError(
        `cannot exec into a container in a completed pod; current phase is ${pod.status.phase}`,
      );
    await checkNode(o.client, nodeName, name, 'a command cannot be run in it');
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket')
      throw new BadRequestError(
        `exec is served over WebSocket (${PROTOCOLS.join(', ')}) only, not ${String(req.headers.upgrade ?? 'a plain request')}: use kubectl 1.30 or newer`,
      );
    const asked = offeredProtocols(req.headers['sec-websocket-protocol']);
    if (!PROTOCOLS.some((p) => asked.includes(p)))
      throw new BadRequestError(
        `none of the offered subprotocols [${asked.join(', ')}] is served; this hub speaks ${PROTOCOLS.join(', ')}`,
      );
    const rpc = o.rpc();
    if (!rpc)
      throw new ServiceUnavailableError('the hub gateway is not running: no node can be asked to exec');

    const bridge = new ExecBridge(q.command);
    const call = rpc.call(
      nodeName,
      RPC_METHOD_EXEC,
      { namespace: ns, name, container, command: q.command, stdin: q.stdin, tty: q.tty },
      {
        onData: (d, c) => bridge.output(c.stream ?? 1, Buffer.from(d, 'base64')),
        onEnd: (err, last) => bridge.end(err, last),
      },
    );
    bridge.bind(call);
    try {
      await call.ready;
    } catch (e) {
      const err =
        e instanceof RpcRemoteError
          ? e.code >= 500
            ? new InternalError(e.message)
            : new BadRequestError(e.message)
          : new ServiceUnavailableError((e as Error).message);
      bridge.close(err.toStatus());
    }
    ctx.socket.once('close', () => call.cancel());
    wss.handleUpgrade(req, ctx.socket, ctx.head, (ws) => {
      o.log.debug('exec started', { pod: `${ns}/${name}`, container, user: ctx.user.name });
      bridge.attach(ws);
    });
  };
}
