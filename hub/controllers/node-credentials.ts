// Node credential lifecycle: a credential that is revoked or deleted disconnects its board at
// once (the broker kicks the live MQTT client; its reconnect is refused), and deleting a Node
// revokes its credential, as the issue asks of `kubectl delete node` (the name then needs an
// admin's `drover node reset` before a board can join as it again).

import type { ApiClient } from '../api/client.js';
import { credentialNode, isRevoked, revokeNodeCredential } from '../auth/node-credentials.js';
import type { EventRecorder } from '../events/recorder.js';
import type { Node, Secret } from '../../shared/api/types.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import { type Controller, Runner, type RunnerOptions } from './runner.js';

/** Reason written into a credential revoked because its Node was deleted. */
export const NODE_DELETED_REASON = 'Node deleted';

export interface NodeCredentialControllerOptions {
  client: ApiClient;
  /** Drops node's live MQTT connection; absent with an external broker (nothing to kick). */
  disconnectNode?: (node: string) => void;
  recorder?: EventRecorder;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  informers?: InformerFactory;
}

export class NodeCredentialController implements Controller {
  readonly name = 'node-credentials';
  private readonly log: Logger;
  private readonly runner: Runner;
  private readonly informers: InformerUse;

  constructor(private readonly opts: NodeCredentialControllerOptions) {
    this.log = opts.log ?? createLogger('controller/node-credentials');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
  }

  async start(): Promise<void> {
    await this.informers.watch<Secret>('secrets', {
      onChange: (type, s, old, initial) => {
        const node = credentialNode(s);
        if (initial || node === undefined) return;
        const revokedNow = type === 'MODIFIED' && isRevoked(s) && !(old && isRevoked(old));
        if (type === 'DELETED' || revokedNow) this.kick(node, type === 'DELETED' ? 'reset' : 'revoked');
      },
    });
    await this.informers.watch<Node>('nodes', {
      onChange: (type, n) => {
        if (type === 'DELETED' && n.metadata.name) this.runner.add(n.metadata.name);
      },
    });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  private kick(node: string, why: 'reset' | 'revoked'): void {
    this.log.info('node credential withdrawn: disconnecting the node', { node, why });
    this.opts.disconnectNode?.(node);
  }

  /**
   * key = a deleted Node's name: revoke its credential (idempotent). Done even if the Node was
   * re-created meanwhile: a status report in flight from the board may have re-created it, and
   * the deletion was the admin's word.
   */
  async reconcile(node: string): Promise<void> {
    await revokeNodeCredential(this.opts.client, node, NODE_DELETED_REASON);
    await this.opts.recorder?.record(
      { apiVersion: 'v1', kind: 'Node', metadata: { name: node } },
      'Normal',
      'CredentialRevoked',
      `credential of node ${node} revoked: the Node was deleted; \`drover node reset ${node}\` lets a board join as it again`,
    );
  }
}
