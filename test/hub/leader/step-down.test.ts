// A leader hub cut off from NATS steps down in place (#8: "a network partition isolating one hub
// from NATS: it stops leading and stops writing"): real nats-server, two `drover hub --store
// nats://` processes, hub A reaching NATS through a loopback link the test cuts silently. Checked:
// A stops its scheduler and controllers and stays up (it used to exit, dropping its boards), B
// leads and its controllers act, A writes nothing while cut off and serves its API again once the
// link heals, and when B dies A leads a second term whose scheduler and controllers work.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copySharedHubFiles } from '../../../cli/cluster/hub-files.js';
import type { Event, KubeObject } from '../../../shared/api/types.js';
import { apiFetch, getJson } from '../../helpers/api.js';
import { CutLink } from '../../helpers/cut-link.js';
import { type NatsCluster, startNats } from '../../helpers/nats.js';
import { type HubProcess, killAll, startHubProcess } from '../../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';
import { holdsFor, waitFor } from '../../helpers/wait.js';

let nats: NatsCluster | undefined;
let link: CutLink | undefined;
const hubs: HubProcess[] = [];

test.after(async () => {
  await killAll();
  await link?.close();
  await nats?.stop();
  cleanupTempDirs();
});

const tails = () => hubs.map((h, i) => `--- hub ${'AB'[i]} ---\n${h.output().slice(-3000)}`).join('\n');
const count = (text: string, s: string) => text.split(s).length - 1;

function deployment(name: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
      },
    },
  };
}

async function createDeployment(apiUrl: string, name: string): Promise<void> {
  const res = await apiFetch(apiUrl, '/apis/apps/v1/namespaces/default/deployments', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(deployment(name)),
  });
  assert.is(res.status, 201, `create deployment ${name}: ${res.status} ${await res.text()}`);
}

/** Names of the ReplicaSets owned by the Deployment. */
async function replicaSetsOf(apiUrl: string, name: string): Promise<string[]> {
  const l = await getJson<{ items: KubeObject[] }>(apiUrl, '/apis/apps/v1/namespaces/default/replicasets');
  return l.items
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === name))
    .map((rs) => rs.metadata.name ?? '');
}

/** The scheduler tried the Deployment's pod (no boards here: FailedScheduling). */
async function schedulerTried(apiUrl: string, name: string): Promise<boolean> {
  const l = await getJson<{ items: Event[] }>(apiUrl, '/api/v1/namespaces/default/events');
  return l.items.some(
    (e) => e.reason === 'FailedScheduling' && e.involvedObject.name?.startsWith(`${name}-`),
  );
}

test('a leader cut off from NATS stops leading and writing, stays up, and leads again later', async () => {
  nats = await startNats(1);
  const target = new URL(nats.urls[0]!);
  link = await CutLink.open({ host: target.hostname, port: Number(target.port) });
  // Hub A starts first, through the link, and leads.
  const a = await startHubProcess({ args: ['--store', `nats://127.0.0.1:${link.port}`] });
  hubs.push(a);
  await waitFor(() => a.output().includes('leader: start controllers'), {
    what: 'hub A leads',
    timeoutMs: 20_000,
  });
  const dirB = tempDir('drover-hub-');
  copySharedHubFiles(a.dataDir, dirB);
  const b = await startHubProcess({ dataDir: dirB, args: ['--store', nats.urls[0]!] });
  hubs.push(b);

  link.cut();
  const cutAt = Date.now();
  await waitFor(() => a.output().includes('standing by'), {
    what: 'hub A steps down',
    timeoutMs: 30_000,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${tails()}`);
  });
  await waitFor(() => b.output().includes('leader: start controllers'), {
    what: 'hub B leads',
    timeoutMs: 30_000,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${tails()}`);
  });
  const stepDown = a.output().slice(a.output().indexOf('leadership lost'));
  assert.ok(
    stepDown.includes('standing by'),
    `A stopped its leader work before standing by:\n${stepDown.slice(0, 1500)}`,
  );

  // B's controllers and scheduler act; A, cut off, is still up and writes nothing.
  await createDeployment(b.apiUrl, 'during-cut');
  await waitFor(async () => (await replicaSetsOf(b.apiUrl, 'during-cut')).length === 1, {
    what: "B's deployment controller made the ReplicaSet",
  });
  await waitFor(() => schedulerTried(b.apiUrl, 'during-cut'), { what: "B's scheduler tried the pod" });
  assert.is(a.proc.exitCode, null, `hub A still runs ${Date.now() - cutAt} ms after the cut`);

  link.heal();
  // A serves its API from the store again (reads and writes through the survivor's data).
  await waitFor(async () => (await replicaSetsOf(a.apiUrl, 'during-cut')).length === 1, {
    what: "A's API sees B's writes after the heal",
    timeoutMs: 30_000,
  });
  // A campaigns again but stands by while B renews: never two leaders.
  await holdsFor(() => count(a.output(), 'leader: start controllers') === 1, {
    durationMs: 3_000,
    what: 'A does not lead while B holds the lease',
  });

  await b.kill9();
  await waitFor(() => count(a.output(), 'leader: start controllers') === 2, {
    what: 'hub A leads a second term',
    timeoutMs: 30_000,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${tails()}`);
  });
  await createDeployment(a.apiUrl, 'second-term');
  await waitFor(async () => (await replicaSetsOf(a.apiUrl, 'second-term')).length === 1, {
    what: "A's second-term deployment controller made the ReplicaSet",
  });
  await waitFor(() => schedulerTried(a.apiUrl, 'second-term'), {
    what: "A's second-term scheduler tried the pod",
  });
  assert.is((await replicaSetsOf(a.apiUrl, 'during-cut')).length, 1, 'nothing done twice across the terms');
  assert.not.ok(a.output().includes('starting leader work failed'), 'the second term started cleanly');
  // The scheduler's metrics carry over the terms (registered once per process).
  const metrics = await (await apiFetch(a.apiUrl, '/metrics')).text();
  assert.match(metrics, /scheduler_schedule_attempts_total\{/);
});

test.run();
