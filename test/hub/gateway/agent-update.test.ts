// The hub's self-update orders (hub/gateway/agent-update.ts) on a real API server and store: a
// board ordered a version this hub has no bundle for gets no order (a hub cannot sign a sum it
// does not know), and gets the signed order as soon as its bundle source says the bundle came
// (with several hubs: another hub put it in the cluster's bucket), without any other change to
// its Node.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ApiServer, createApiServer } from '../../../hub/api/server.js';
import { loadOrCreateCa } from '../../../hub/auth/pki.js';
import {
  type AgentBundle,
  type AgentBundleSource,
  BundleNotFoundError,
} from '../../../hub/gateway/agent-bundles.js';
import { AgentUpdatePublisher } from '../../../hub/gateway/agent-update.js';
import { SqliteStore } from '../../../hub/store/sqlite.js';
import { AGENT_VERSION_ANNOTATION } from '../../../shared/api/rollout.js';
import type { Node } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { topics } from '../../../shared/mqtt/topics.js';
import { verifyBundleOrder } from '../../../shared/protocol/bundle-signature.js';
import { parseAgentUpdateOrder } from '../../../shared/protocol/messages.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

/** Bundles that come when the test says so, told to the watcher as another hub's would be. */
class ArrivingBundles implements AgentBundleSource {
  private readonly sums = new Map<string, string>();
  private onChange?: (version: string) => void;
  sha256(version: string): string | undefined {
    return this.sums.get(version);
  }
  read(version: string): AgentBundle {
    throw new BundleNotFoundError(`not in this test: ${version}`);
  }
  async watch(onChange: (version: string) => void): Promise<() => void> {
    this.onChange = onChange;
    return () => {
      this.onChange = undefined;
    };
  }
  arrive(version: string, sha256: string): void {
    this.sums.set(version, sha256);
    this.onChange?.(version);
  }
}

let api: ApiServer | undefined;
let store: SqliteStore | undefined;
let publisher: AgentUpdatePublisher | undefined;
test.after(async () => {
  publisher?.stop();
  await api?.close();
  store?.close();
  cleanupTempDirs();
});

test('an order held back for want of its bundle goes out, signed, when the bundle arrives', async () => {
  const dir = tempDir('drover-agent-update-');
  const log = createLogger('agent-update', 50);
  store = SqliteStore.open(join(dir, 'store.db'));
  api = await createApiServer({ store, port: 0, log, insecureLoopback: true });
  const ca = await loadOrCreateCa(dir);
  const bundles = new ArrivingBundles();
  const v1 = createHash('sha256').update('v1').digest('hex');
  const v2 = createHash('sha256').update('v2').digest('hex');
  bundles.arrive('v1', v1);
  const sent: { topic: string; payload: Buffer }[] = [];
  publisher = new AgentUpdatePublisher({
    client: api.client,
    bundles,
    signingKeyPem: ca.keyPem,
    publish: async (topic, payload) => {
      sent.push({ topic, payload });
    },
    log,
  });
  await publisher.start();
  const node = (name: string, version: string): Node => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, annotations: { [AGENT_VERSION_ANNOTATION]: version } },
    spec: {},
  });
  const orderOf = (name: string) => sent.find((s) => s.topic === topics.agentUpdate(name));
  // b1 is ordered v2 (no bundle), then b2 v1 (bundle): once b2's order is out, b1's was handled.
  await api.client.create<Node>('nodes', undefined, node('b1', 'v2'));
  await api.client.create<Node>('nodes', undefined, node('b2', 'v1'));
  await waitFor(() => orderOf('b2'), { what: "b2's order" });
  assert.is(orderOf('b1'), undefined, 'no order without a bundle');
  bundles.arrive('v2', v2);
  const got = await waitFor(() => orderOf('b1'), { what: "b1's order once v2 arrived" });
  const order = parseAgentUpdateOrder(got.payload);
  assert.is(order.version, 'v2');
  assert.is(order.sha256, v2);
  assert.ok(verifyBundleOrder(ca.certPem, 'v2', v2, order.signature ?? ''), 'signed with the hub CA');
  assert.is(sent.filter((s) => s.topic === topics.agentUpdate('b2')).length, 1, 'b2 not told again');
});

test.run();
