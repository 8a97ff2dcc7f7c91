// kubectl top end to end (real hub, a real agent on the real Docker engine, the real kubectl):
// the agent's usage samples reach metrics.k8s.io/v1beta1; `kubectl top pods` follows a pod
// that burns CPU (high while it spins, low once it is told to stop), `kubectl top nodes` shows
// the board; a view user may read metrics.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTable } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';
import { Cluster, podYaml, running } from './pods-harness.js';

// Usage sampled every second (default 15 s, metrics-server's resolution): the same figures, sooner.
const c = new Cluster([{ name: 'mt-a' }], ['--metrics-interval', '1s']);
test.before(() => c.start());
test.after(() => c.stop());

/** `kubectl top pods` -> pod name -> millicores. */
async function topPods(): Promise<Map<string, number>> {
  const r = await c.k(['top', 'pods']);
  const out = new Map<string, number>();
  if (r.code !== 0) return out;
  for (const row of parseTable(r.stdout)) {
    const cpu = row['CPU(cores)'] ?? '';
    const m = /^(\d+)m$/.exec(cpu);
    out.set(row.NAME, m ? Number(m[1]) : Number(cpu) * 1000);
  }
  return out;
}

test('kubectl top pods follows a CPU-burning pod; kubectl top nodes shows the board', async () => {
  for (const y of [
    // Limited to 250m: still far above the 30m checked, without taking a whole core from the
    // test files that run beside this one.
    podYaml({
      name: 'burner',
      command: 'while [ ! -f /tmp/stop ]; do :; done; exec sleep 3600',
      container: '    resources:\n      limits: {cpu: 250m}\n',
    }),
    podYaml({ name: 'idle', command: 'exec sleep 3600' }),
  ]) {
    const r = await c.apply(y);
    assert.is(r.code, 0, r.stderr);
  }
  await c.waitPod('burner', running, 'Running');
  await c.waitPod('idle', running, 'Running');
  const hot = await waitFor(
    async () => {
      const t = await topPods();
      const b = t.get('burner');
      // A busy loop gets its share of a loaded 2-core machine, not a whole core: it must stand
      // out clearly from the sleeping pod.
      return b !== undefined && t.has('idle') && b >= 30 && b >= 3 * (t.get('idle') ?? 0) ? t : undefined;
    },
    { what: 'kubectl top pods: burner busy, idle not', timeoutMs: 90_000, intervalMs: 1000 },
  );
  console.log(`  top while burning: burner ${hot.get('burner')}m, idle ${hot.get('idle')}m`);

  const nodes = await c.k(['top', 'nodes']);
  assert.is(nodes.code, 0, nodes.stderr);
  const row = parseTable(nodes.stdout).find((x) => x.NAME === 'mt-a');
  assert.ok(row, nodes.stdout);
  assert.match(row['CPU(cores)'] ?? '', /^\d+m$/);
  assert.match(row['MEMORY(bytes)'] ?? '', /^\d+Mi$/);

  const stop = await c.k(['exec', 'burner', '--', 'touch', '/tmp/stop']);
  assert.is(stop.code, 0, stop.stderr);
  let seen: number[] = [];
  const cool = await waitFor(
    async () => {
      const b = (await topPods()).get('burner');
      if (b !== undefined) seen = [...seen.slice(-5), b];
      return b !== undefined && b < 10 ? { b } : undefined; // an object: 0m is a value, not "not yet"
    },
    { what: 'kubectl top pods: burner quiet after it stopped', timeoutMs: 90_000, intervalMs: 1000 },
  ).catch((e: Error) => {
    throw new Error(`${e.message}; last burner values (m): ${seen.join(', ')}`);
  });
  console.log(`  top after stopping: burner ${cool.b}m`);
});

test('metrics API refusals: an unknown pod is 404 in the metrics group', async () => {
  const r = await c.k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/ghost']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /NotFound|not found/);
});

test.run();
