// Join: the broker has already checked the bootstrap token at CONNECT (only a bootstrap client
// may publish join/<its client id>/request). The request carries the token again, so the hub
// can spend a use of it for this node name whatever broker sits in between, and, for a name
// that already has a credential, that credential: no board can take another's identity with
// the fleet's token. The hub issues the node's own credential and answers on
// join/<client id>/response; then the node reconnects as node:<name>. A refusal is answered
// (ok:false, the reason) and recorded as a Warning event on the Node.

import { JoinRefusedError } from '../auth/errors.js';
import { checkNodeNameFree, issueNodeCredential, type JoinProof } from '../auth/node-credentials.js';
import { spendBootstrapToken } from '../auth/tokens.js';
import { isValidTopicSegment, topics } from '../../shared/mqtt/topics.js';
import { encode, type JoinRequest, type JoinResponse } from '../../shared/protocol/messages.js';
import type { GatewayContext } from './context.js';

/** Kubernetes node names: DNS-1123 subdomain, at most 253 characters. */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Event reason for a refused join (on the Node the joiner asked for). */
export const JOIN_REFUSED_REASON = 'JoinRefused';

interface JoinState {
  clientId: string;
  req: JoinRequest;
  username?: string;
  password?: string;
}

type Step = [name: string, run: (ctx: GatewayContext, s: JoinState) => Promise<void>];

/** The joiner's claim on a name: its current password, and the token it joins with (by id). */
const proofOf = (req: JoinRequest): JoinProof => ({
  password: req.password,
  tokenId: req.token?.split('.')[0],
});

const steps: Step[] = [
  [
    'validate name',
    async (_ctx, s) => {
      const n = s.req.nodeName;
      if (n.length > 253 || !DNS1123_SUBDOMAIN.test(n) || !isValidTopicSegment(n)) {
        throw new JoinRefusedError(
          `node name ${JSON.stringify(n)} is not a lowercase DNS-1123 subdomain (a-z, 0-9, '-', '.')`,
        );
      }
    },
  ],
  // Before the token is spent: a board refused for its name keeps its single-use token.
  ['check name', (ctx, s) => checkNodeNameFree(ctx.client, s.req.nodeName, proofOf(s.req)).then(() => {})],
  [
    'spend token',
    async (ctx, s) => {
      if (!s.req.token) throw new JoinRefusedError('the join request carries no bootstrap token');
      await spendBootstrapToken(ctx.client, s.req.token, s.req.nodeName);
    },
  ],
  [
    'issue credential',
    async (ctx, s) => {
      const cred = await issueNodeCredential(ctx.client, s.req.nodeName, proofOf(s.req));
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
): Promise<'joined' | 'refused' | 'failed' | 'dropped'> {
  const s: JoinState = { clientId, req };
  for (const [name, run] of steps) {
    if (!stillConnected(clientId)) {
      ctx.log.debug('join dropped: the joiner is gone', { clientId, node: req.nodeName, step: name });
      return 'dropped';
    }
    try {
      await run(ctx, s);
    } catch (e) {
      const refused = e instanceof JoinRefusedError;
      const error = `join ${refused ? 'refused' : 'failed'} at step "${name}": ${(e as Error).message}`;
      ctx.log.warn(error, { clientId, node: req.nodeName });
      if (refused && name !== 'validate name')
        await ctx.events.record(
          { apiVersion: 'v1', kind: 'Node', metadata: { name: req.nodeName } },
          'Warning',
          JOIN_REFUSED_REASON,
          `join as ${req.nodeName} refused: ${(e as Error).message}`,
        );
      if (name !== 'reply') {
        await ctx.publish(topics.joinResponse(clientId), encode<JoinResponse>({ ok: false, error }), {
          qos: 1,
        });
      }
      return refused ? 'refused' : 'failed';
    }
  }
  ctx.log.info('node joined', { node: req.nodeName, clientId });
  ctx.publishDesired(req.nodeName);
  return 'joined';
}
