// Join: the broker has already verified the bootstrap token (only a bootstrap client may
// publish join/<its client id>/request). The hub issues the node's own credential and answers
// on join/<client id>/response; then the node reconnects as node:<name>.

import { issueNodeCredential } from '../auth/tokens.js';
import { isValidTopicSegment, topics } from '../../shared/mqtt/topics.js';
import { encode, type JoinRequest, type JoinResponse } from '../../shared/protocol/messages.js';
import type { GatewayContext } from './context.js';

/** Kubernetes node names: DNS-1123 subdomain, at most 253 characters. */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

interface JoinState {
  clientId: string;
  req: JoinRequest;
  username?: string;
  password?: string;
}

type Step = [name: string, run: (ctx: GatewayContext, s: JoinState) => Promise<void>];

const steps: Step[] = [
  [
    'validate name',
    async (_ctx, s) => {
      const n = s.req.nodeName;
      if (n.length > 253 || !DNS1123_SUBDOMAIN.test(n) || !isValidTopicSegment(n)) {
        throw new Error(
          `node name ${JSON.stringify(n)} is not a lowercase DNS-1123 subdomain (a-z, 0-9, '-', '.')`,
        );
      }
    },
  ],
  [
    'issue credential',
    async (ctx, s) => {
      const cred = await issueNodeCredential(ctx.client, s.req.nodeName);
      s.username = cred.username;
      s.password = cred.password;
    },
  ],
  [
    'reply',
    async (ctx, s) => {
      const res: Omit<JoinResponse, 'v'> = {
        ok: true,
        nodeName: s.req.nodeName,
        username: s.username,
        password: s.password,
      };
      await ctx.publish(topics.joinResponse(s.clientId), encode<JoinResponse>(res), { qos: 1 });
    },
  ],
];

/**
 * `stillConnected` (when the hub embeds the broker) is asked before each step: a joiner that
 * gave up (timed out and reconnected with a new client id, or went away) is dropped, so a
 * backlog of joins does not spend the hub's time on answers nobody will read.
 */
export async function handleJoin(
  ctx: GatewayContext,
  clientId: string,
  req: JoinRequest,
  stillConnected: (clientId: string) => boolean = () => true,
): Promise<'joined' | 'failed' | 'dropped'> {
  const s: JoinState = { clientId, req };
  for (const [name, run] of steps) {
    if (!stillConnected(clientId)) {
      ctx.log.debug('join dropped: the joiner is gone', { clientId, node: req.nodeName, step: name });
      return 'dropped';
    }
    try {
      await run(ctx, s);
    } catch (e) {
      const error = `join failed at step "${name}": ${(e as Error).message}`;
      ctx.log.warn(error, { clientId, node: req.nodeName });
      if (name !== 'reply') {
        await ctx.publish(topics.joinResponse(clientId), encode<JoinResponse>({ ok: false, error }), {
          qos: 1,
        });
      }
      return 'failed';
    }
  }
  ctx.log.info('node joined', { node: req.nodeName, clientId });
  ctx.publishDesired(req.nodeName);
  return 'joined';
}
