// Agent self-update, hub side (issue #10): the version a board should run is its Node's
// drover.io/agent-version annotation (set board by board by the rollout controller's Agent
// target). This publishes it, retained, on nodes/<node>/agent/update with the bundle's SHA-256
// signed with the hub CA's key (shared/protocol/bundle-signature.ts), so a board that reconnects
// gets its order at once and can tell it is the hub's; and answers a board's bundle request on
// nodes/<node>/agent/bundle over the same authenticated MQTT connection (the broker lets a
// node ask and hear only for itself). A version the hub has no bundle for is not ordered until
// its source says the bundle came (with several hubs, another hub put it in the cluster's
// bucket: cluster-agent-bundles.ts). Every hub publishes every board's order on its own broker,
// as it does desired state, so a board gets it from whichever hub it is connected to; the hubs
// share the CA (cli/cluster/hub-files.ts), so each signs with the key every board pinned.

import { AGENT_VERSION_ANNOTATION } from '../../shared/api/rollout.js';
import type { Node } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';
import { topics } from '../../shared/mqtt/topics.js';
import {
  type AgentUpdateOrder,
  type BundleRequest,
  encode,
  encodeBundle,
} from '../../shared/protocol/messages.js';
import { signBundleOrder } from '../../shared/protocol/bundle-signature.js';
import type { ApiClient } from '../api/client.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import type { Informer } from '../informers/informer.js';
import { type AgentBundleSource, BundleNotFoundError } from './agent-bundles.js';
import type { PublishOptions } from './context.js';

export interface AgentUpdatePublisherOptions {
  client: ApiClient;
  bundles: AgentBundleSource;
  /** The hub CA's private key (PEM): every order is signed with it. */
  signingKeyPem: string;
  publish(topic: string, payload: Buffer, opts: PublishOptions): Promise<void>;
  log: Logger;
  informers?: InformerFactory;
}

export class AgentUpdatePublisher {
  private readonly informers: InformerUse;
  /** node -> the order last published ('' for none). */
  private readonly sent = new Map<string, string>();
  /** Versions ordered that this hub has no bundle of (warned about once). */
  private readonly missing = new Set<string>();
  private nodes?: Informer<Node>;
  private stopBundles?: () => void;

  constructor(private readonly opts: AgentUpdatePublisherOptions) {
    this.informers = new InformerUse(opts.informers, opts.client, opts.log);
  }

  async start(): Promise<void> {
    // Bundles first: the nodes' first sync then already knows every bundle the source has.
    this.stopBundles = await this.opts.bundles.watch?.((version) => this.resync(version));
    this.nodes = await this.informers.watch<Node>('nodes', {
      onChange: (type, n) => void this.sync(n.metadata.name ?? '', type === 'DELETED' ? undefined : n),
    });
  }

  stop(): void {
    this.stopBundles?.();
    this.informers.close();
  }

  /** A version's bundle came or changed: the boards ordered that version are told (again). */
  private resync(version: string): void {
    for (const n of this.nodes?.list() ?? [])
      if (n.metadata.annotations?.[AGENT_VERSION_ANNOTATION] === version)
        void this.sync(n.metadata.name ?? '', n);
  }

  private async sync(node: string, n: Node | undefined): Promise<void> {
    const version = n?.metadata.annotations?.[AGENT_VERSION_ANNOTATION];
    const sha256 = version ? this.opts.bundles.sha256(version) : undefined;
    // Once per version: a wave orders thousands of boards at once, each a Node event.
    if (version && !sha256 && !this.missing.has(version)) {
      this.missing.add(version);
      this.opts.log.warn('no agent bundle for the ordered version: its orders wait for it', {
        node,
        version,
      });
    }
    if (version && sha256) this.missing.delete(version);
    const key = version && sha256 ? `${version}/${sha256}` : '';
    if ((this.sent.get(node) ?? '') === key) return;
    this.sent.set(node, key);
    // An empty retained message clears the order (MQTT 3.1.1 3.3.1.3).
    const payload =
      version && sha256
        ? encode<AgentUpdateOrder>({
            version,
            sha256,
            signature: signBundleOrder(this.opts.signingKeyPem, version, sha256),
          })
        : Buffer.alloc(0);
    try {
      await this.opts.publish(topics.agentUpdate(node), payload, { qos: 1, retain: true });
      if (key) this.opts.log.info('agent update ordered', { node, version });
    } catch (e) {
      this.sent.delete(node);
      this.opts.log.warn('agent update order not published', { node, error: e as Error });
    }
  }

  /** A board asks for a bundle: the bytes, or a header with the error. */
  async answer(node: string, req: BundleRequest): Promise<void> {
    let payload: Buffer;
    try {
      const b = await this.opts.bundles.read(req.version);
      payload = encodeBundle({ version: b.version, sha256: b.sha256 }, b.data);
      this.opts.log.info('agent bundle sent', { node, version: b.version, bytes: b.data.length });
    } catch (e) {
      if (!(e instanceof BundleNotFoundError)) throw e;
      payload = encodeBundle({ version: req.version, error: e.message }, Buffer.alloc(0));
    }
    await this.opts.publish(topics.bundle(node), payload, { qos: 1 });
  }
}
