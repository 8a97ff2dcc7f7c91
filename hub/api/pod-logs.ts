// GET /api/v1/namespaces/{ns}/pods/{name}/log: the container log, fetched from the pod's
// agent over MQTT (hub/gateway/rpc.ts) and sent as text/plain, streamed as it arrives (so
// `kubectl logs -f` follows). Query: container, tailLines, follow, previous, timestamps.
// Errors follow kube-apiserver's: 404 unknown pod, 400 for a missing or unknown container
// name and for a pod without a node; 503 when the node cannot be asked.

import type { Node, Pod } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';
import { RPC_METHOD_LOGS } from '../../shared/protocol/constants.js';
import { type RpcClient, RpcRemoteError } from '../gateway/rpc.js';
import type { ApiClient } from './client.js';
import type { SubresourceHandler } from './core.js';
import { BadRequestError, InternalError, MethodNotAllowedError, ServiceUnavailableError } from './errors.js';

export interface PodLogsOptions {
  client: ApiClient;
  /** The gateway's RPC client; undefined until the gateway runs. */
  rpc(): RpcClient | undefined;
  log: Logger;
}

export interface LogQuery {
  container?: string;
  tailLines?: number;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
}

function boolParam(q: URLSearchParams, k: string): boolean {
  const v = q.get(k);
  if (v === null || v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw new BadRequestError(`${k}: ${JSON.stringify(v)} is not a boolean (true or false)`);
}

export function parseLogQuery(q: URLSearchParams): LogQuery {
  const out: LogQuery = {
    follow: boolParam(q, 'follow'),
    previous: boolParam(q, 'previous'),
    timestamps: boolParam(q, 'timestamps'),
  };
  const c = q.get('container');
  if (c) out.container = c;
  const t = q.get('tailLines');
  if (t !== null && t !== '') {
    if (!/^\d+$/.test(t))
      throw new BadRequestError(`tailLines: ${JSON.stringify(t)} must be an integer >= 0`);
    out.tailLines = Number(t);
  }
  return out;
}

/** The container the request is about, as kube-apiserver picks and checks it. */
export function pickContainer(pod: Pod, requested: string | undefined): string {
  const name = pod.metadata.name ?? '';
  const names = pod.spec.containers.map((c) => c.name);
  const init = (pod.spec.initContainers ?? []).map((c) => c.name);
  if (!requested) {
    if (names.length === 1) return names[0];
    let msg = `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`;
    if (init.length) msg += ` or one of the init containers: [${init.join(' ')}]`;
    throw new BadRequestError(msg);
  }
  if (!names.includes(requested) && !init.includes(requested))
    throw new BadRequestError(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

/** 503 unless the pod's node is registered and Ready; `consequence` says what cannot be done. */
export async function checkNode(
  client: ApiClient,
  nodeName: string,
  pod: string,
  consequence = 'its logs cannot be read',
): Promise<void> {
  let node: Node;
  try {
    node = await client.get<Node>('nodes', undefined, nodeName);
  } catch {
    throw new ServiceUnavailableError(`node ${nodeName} of pod ${pod} is not registered: ${consequence}`);
  }
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
  if (ready !== 'True')
    throw new ServiceUnavailableError(
      `node ${nodeName} of pod ${pod} is not reachable (Ready=${ready}): ${consequence}`,
    );
}

export function createPodLogsHandler(o: PodLogsOptions): SubresourceHandler {
  return async (ctx) => {
    if (ctx.method !== 'GET') throw new MethodNotAllowedError(ctx.method, 'pods/log');
    const res = ctx.res;
    if (!res) throw new BadRequestError('pod logs are served over HTTP only');
    const ns = ctx.namespace ?? 'default';
    const q = parseLogQuery(ctx.query);
    const pod = await o.client.get<Pod>('pods', ns, ctx.name);
    const container = pickContainer(pod, q.container);
    const nodeName = pod.spec.nodeName;
    if (!nodeName) throw new BadRequestError(`pod ${ctx.name} does not have a host assigned`);
    await checkNode(o.client, nodeName, ctx.name);
    const rpc = o.rpc();
    if (!rpc)
      throw new ServiceUnavailableError('the hub gateway is not running: no node can be asked for logs');

    // Chunks can be delivered in the same tick as the acknowledgement: headers go first, once.
    const head = () => {
      if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache' });
    };
    let resolveEnd!: () => void;
    const ended = new Promise<void>((r) => {
      resolveEnd = r;
    });
    const call = rpc.call(
      nodeName,
      RPC_METHOD_LOGS,
      {
        namespace: ns,
        name: ctx.name,
        container,
        ...(q.tailLines !== undefined ? { tailLines: q.tailLines } : {}),
        follow: q.follow,
        previous: q.previous,
        timestamps: q.timestamps,
      },
      {
        onData: (d) => {
          head();
          res.write(d);
        },
        onEnd: (err) => {
          head();
          if (err)
            o.log.info('log stream ended by an error', { pod: `${ns}/${ctx.name}`, error: err.message });
          res.end();
          resolveEnd();
        },
      },
    );
    // The client went away (kubectl logs -f interrupted): the agent stops following.
    const onClose = () => {
      call.cancel();
      resolveEnd();
    };
    res.once('close', onClose);
    try {
      await call.ready;
    } catch (e) {
      res.off('close', onClose);
      if (e instanceof RpcRemoteError)
        throw e.code >= 500 ? new InternalError(e.message) : new BadRequestError(e.message);
      throw new ServiceUnavailableError((e as Error).message);
    }
    head();
    if (!res.writableEnded) res.flushHeaders();
    await ended;
    res.off('close', onClose);
  };
}
