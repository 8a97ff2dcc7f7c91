// The hub list in a shared cluster info (pure): a hub's URL is added once, moved to the end when
// it is there already, and the oldest fall off past the cap.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_CLUSTER_HUB_URLS, withHubUrl } from '../../hub/cluster-info.js';

const cases: [string, string | undefined, string, string][] = [
  ['first hub', undefined, 'mqtts://a:1', 'mqtts://a:1'],
  ['second hub', 'mqtts://a:1', 'mqtts://b:1', 'mqtts://a:1,mqtts://b:1'],
  ['a hub restarting on the same URL', 'mqtts://a:1,mqtts://b:1', 'mqtts://a:1', 'mqtts://b:1,mqtts://a:1'],
  ['an empty value', '', 'mqtts://a:1', 'mqtts://a:1'],
];
for (const [what, list, url, want] of cases) test(what, () => assert.is(withHubUrl(list, url), want));

test(`at most ${MAX_CLUSTER_HUB_URLS} URLs, the oldest dropped`, () => {
  let list: string | undefined;
  for (let i = 0; i < MAX_CLUSTER_HUB_URLS + 3; i++) list = withHubUrl(list, `mqtts://h${i}:1`);
  const urls = list?.split(',') ?? [];
  assert.is(urls.length, MAX_CLUSTER_HUB_URLS);
  assert.is(urls[0], 'mqtts://h3:1');
  assert.is(urls.at(-1), `mqtts://h${MAX_CLUSTER_HUB_URLS + 2}:1`);
});

test.run();
