// Docker's event lines -> container events (pure), and the real engine's stream: a container's
// create, start, die (with its exit code) and destroy arrive in order, filtered by label, with
// no exec_* noise; summaries list ids and states in one call.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerEventFromDocker } from '../../../agent/runtime/docker-events.js';
import { DockerRuntime } from '../../../agent/runtime/docker.js';
import { LABEL_NODE } from '../../../agent/runtime/labels.js';
import type { ContainerEvent } from '../../../agent/runtime/runtime.js';
import { waitFor } from '../../helpers/wait.js';
import { removeAll, specFor, uniqueNode } from './helpers.js';

const actor = (attrs: Record<string, string>) => ({ ID: 'abc', Attributes: attrs });

const CASES: { name: string; raw: unknown; want: Partial<ContainerEvent> | undefined }[] = [
  {
    name: 'die with exit code; Docker attributes split from labels',
    raw: {
      Type: 'container',
      Action: 'die',
      Actor: actor({ exitCode: '3', name: 'c1', image: 'busybox', [LABEL_NODE]: 'n' }),
      time: 1,
      timeNano: 1_500_000_000,
    },
    want: {
      id: 'abc',
      action: 'die',
      exitCode: 3,
      time: 1500,
      name: 'c1',
      image: 'busybox',
      labels: { [LABEL_NODE]: 'n' },
    },
  },
  {
    name: 'seconds when there is no timeNano',
    raw: { Type: 'container', Action: 'start', Actor: actor({}), time: 2 },
    want: { id: 'abc', action: 'start', time: 2000, labels: {} },
  },
  {
    name: 'exec events ignored',
    raw: { Type: 'container', Action: 'exec_start: sh', Actor: actor({}) },
    want: undefined,
  },
  { name: 'image events ignored', raw: { Type: 'image', Action: 'pull', Actor: actor({}) }, want: undefined },
  { name: 'no actor id', raw: { Type: 'container', Action: 'start', Actor: {} }, want: undefined },
  { name: 'not an object', raw: 'start', want: undefined },
  { name: 'null', raw: null, want: undefined },
];

for (const c of CASES)
  test(`parse: ${c.name}`, () => {
    const got = containerEventFromDocker(c.raw);
    if (c.want === undefined) assert.is(got, undefined);
    else assert.equal(got, { ...c.want });
  });

test('real engine: create, start, die 3, destroy of our label only, in order', async () => {
  const rt = new DockerRuntime();
  const node = uniqueNode('events');
  const other = uniqueNode('events-other');
  const seen: ContainerEvent[] = [];
  let opened = false;
  const watch = rt.watchContainers(
    { [LABEL_NODE]: node },
    {
      onOpen: () => {
        opened = true;
      },
      onEvent: (ev) => seen.push(ev),
      onClose: (err) => assert.unreachable(`stream closed: ${err?.message}`),
    },
  );
  try {
    await waitFor(() => opened, { what: 'stream open' });
    const otherId = await rt.createContainer(specFor(other, { command: ['true'] }));
    const id = await rt.createContainer(specFor(node, { command: ['sh', '-c', 'sleep 0.3; exit 3'] }));
    await rt.startContainer(id);
    await rt.exec(id, ['true'], 5000).catch(() => undefined); // exec_* must not show up
    await waitFor(() => seen.some((e) => e.action === 'die'), { timeoutMs: 10_000, what: 'die event' });
    // The engine's list view is updated a moment after the die event.
    const summaries = await waitFor(
      async () => {
        const l = await rt.listContainerSummaries({ [LABEL_NODE]: node });
        return l[0]?.state === 'exited' ? l : undefined;
      },
      { what: 'listed as exited' },
    );
    assert.equal(
      summaries.map((s) => [s.id, s.state, s.labels[LABEL_NODE]]),
      [[id, 'exited', node]],
    );
    await rt.removeContainer(id, { force: true });
    await rt.removeContainer(otherId, { force: true });
    await waitFor(() => seen.some((e) => e.action === 'destroy'), { what: 'destroy event' });
    assert.equal(
      seen.map((e) => e.action),
      ['create', 'start', 'die', 'destroy'],
    );
    assert.ok(seen.every((e) => e.id === id && e.labels[LABEL_NODE] === node));
    assert.is(seen[2].exitCode, 3);
    assert.ok(seen[1].time <= seen[2].time && seen[2].time - seen[1].time >= 250, 'times from the engine');
  } finally {
    watch.stop();
    await removeAll(rt, node);
    await removeAll(rt, other);
  }
});

test('unreachable socket: onClose with RuntimeUnavailable, never onOpen', async () => {
  const rt = new DockerRuntime({ socketPath: '/nonexistent/docker.sock' });
  let closed: Error | undefined;
  let opened = false;
  rt.watchContainers(
    {},
    {
      onOpen: () => {
        opened = true;
      },
      onEvent: () => {},
      onClose: (e) => {
        closed = e ?? new Error('none');
      },
    },
  );
  await waitFor(() => closed, { what: 'close' });
  assert.is(closed?.name, 'RuntimeUnavailableError');
  assert.not.ok(opened);
});

test.run();
