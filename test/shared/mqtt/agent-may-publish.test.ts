// What a node's agent may publish: only the agent -> hub topics of its own node.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { agentMayPublish, topics } from '../../../shared/mqtt/topics.js';

const CASES: [topic: string, want: boolean][] = [
  [topics.lease('n1'), true],
  [topics.status('n1'), true],
  [topics.will('n1'), true],
  [topics.podStatus('n1', 'default', 'web-0'), true],
  [topics.events('n1'), true],
  [topics.metrics('n1'), true],
  [topics.rpcResponse('n1', 'abc'), true],
  [topics.bundleRequest('n1'), true],
  // hub -> agent topics of its own node
  [topics.desired('n1'), false],
  [topics.rpcRequest('n1', 'abc'), false],
  [topics.agentUpdate('n1'), false],
  [topics.bundle('n1'), false],
  [topics.services, false],
  // another node's, or outside the layout
  [topics.lease('n2'), false],
  [topics.joinRequest('join-x'), false],
  ['drover/v1/nodes/n1/lease/extra', false],
  ['drover/v1/nodes/n1', false],
  ['other/v1/nodes/n1/lease', false],
  ['', false],
];

for (const [topic, want] of CASES) {
  test(`node n1 may publish to ${JSON.stringify(topic)}: ${want}`, () => {
    assert.is(agentMayPublish('n1', topic), want);
  });
}

test.run();
