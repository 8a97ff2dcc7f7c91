// What every gateway handler gets: the API client, the MQTT publish function, the lease table
// and the hooks into the node lifecycle controller.

import type { ApiClient } from '../api/client.js';
import type { EventRecorder } from '../events/recorder.js';
import type { ReadYourWrites } from '../informers/read-your-writes.js';
import type { LeaseTable } from '../leases.js';
import type { UsageHistory } from '../usage/history.js';
import type { Node, Pod } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';

export interface PublishOptions {
  qos: 0 | 1;
  retain?: boolean;
}

export interface GatewayContext {
  client: ApiClient;
  publish(topic: string, payload: Buffer, opts: PublishOptions): Promise<void>;
  leases: LeaseTable;
  /** Where admitted status reports' usage goes (the board page's history); none in unit use. */
  usage?: UsageHistory;
  log: Logger;
  /** Events of the hub's MQTT side (refused joins). */
  events: EventRecorder;
  /** A message from the node's agent arrived (it is alive). */
  onNodeActivity(node: string): void;
  /** The node's MQTT connection dropped (last will). */
  onNodeWill(node: string): void;
  /** Publish node's current desired set (e.g. right after it joined). */
  publishDesired(node: string): void;
  /** The pod as the desired publisher holds it (shared: never mutate), if it holds one. */
  heldPod?(namespace: string, name: string): Pod | undefined;
  /** The hub's node cache (shared: never mutate), behind the gateway's own writes; none: read the store. */
  nodes?: ReadYourWrites<Node>;
}
