// Warning Events on the Node of a board the broker cut off by a limit, so `kubectl describe
// node` says why the board dropped (Kubernetes reports a node's trouble as Events on it).
// Connections cut off before they were a node's (a joiner, an unauthenticated socket) are only
// counted (drover_mqtt_clients_cut_off) and logged by the broker.

import type { Node } from '../../shared/api/types.js';
import { NODE_CLIENT_ID_PREFIX } from '../../shared/protocol/constants.js';
import type { EventRecorder } from '../events/recorder.js';
import type { CutOffReason } from './broker.js';

export const CUT_OFF_EVENT_REASONS: Record<CutOffReason, string> = {
  'slow-consumer': 'MqttQueueLimitExceeded',
  oversized: 'MqttPacketTooLarge',
};

export function cutOffEvents(
  recorder: EventRecorder,
  nodeNamed: (name: string) => Node | undefined,
): (clientId: string | undefined, reason: CutOffReason, err: Error) => void {
  return (clientId, reason, err) => {
    if (!clientId?.startsWith(NODE_CLIENT_ID_PREFIX)) return;
    const name = clientId.slice(NODE_CLIENT_ID_PREFIX.length);
    const node: Node = nodeNamed(name) ?? { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {} };
    void recorder.record(
      node,
      'Warning',
      CUT_OFF_EVENT_REASONS[reason],
      `The broker disconnected the board: ${err.message}`,
    );
  };
}
