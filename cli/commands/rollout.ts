// `drover rollout status|pause|resume|abort|undo NAME`: a Rollout (drover.io/v1alpha1) through
// the API. pause/resume/abort patch its spec, as `kubectl patch` would; undo puts a revision's
// template back into the target DaemonSet or Deployment (as `kubectl rollout undo`,
// ../rollout-undo.ts), which the Rollout then rolls out in its waves.

import { flagBool, flagString, parseFlags } from '../../agent/flags.js';
import type { Rollout } from '../../shared/api/rollout.js';
import { ROLLOUT_ACTION_SPEC } from '../../shared/api/rollout-progress.js';
import { TARGET_FLAGS, UsageError } from '../common.js';
import { hubApiClient } from '../hub-client.js';
import { undoRollout } from '../rollout-undo.js';
import { exitCodeOf, isSettled, renderRollout } from '../rollout-view.js';

export const ROLLOUT_USAGE = `Usage: drover rollout status NAME [--watch]
       drover rollout pause|resume|abort NAME
       drover rollout undo NAME [--to-revision N]
       (each with [-n NAMESPACE] [--server URL | --kubeconfig FILE])

status   the rollout's phase, a progress bar of boards on the new revision and one row per
         wave; --watch redraws it until the rollout completes or is rolled back (exit 1 then)
pause    no more boards are updated and no wave starts (a failing gate still rolls back)
resume   clears pause and abort: the rollout continues where it stood
abort    rolls every board back to the stable revision and holds there until resume
undo     puts the previous revision's template (or --to-revision N) back into the DaemonSet
         or Deployment; the rollout rolls it out in its waves
`;

/** How often --watch reads the rollout, ms. */
export const WATCH_INTERVAL_MS = 1000;

const VERBS = ['status', 'pause', 'resume', 'abort', 'undo'] as const;
type Verb = (typeof VERBS)[number];

export async function rolloutCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const f = parseFlags(argv, {
    ...TARGET_FLAGS,
    namespace: { type: 'string', aliases: ['-n'] },
    watch: { type: 'boolean', aliases: ['-w'] },
    'to-revision': { type: 'string' },
    help: { type: 'boolean', aliases: ['-h'] },
  });
  if (flagBool(f, 'help')) {
    out(ROLLOUT_USAGE);
    return 0;
  }
  const [verb, name, ...rest] = f.positionals;
  if (!VERBS.includes(verb as Verb) || !name || rest.length)
    throw new UsageError('the rollout command takes status|pause|resume|abort|undo NAME', ROLLOUT_USAGE);
  const ns = flagString(f, 'namespace') ?? 'default';
  const client = await hubApiClient(f);
  const get = () => client.get<Rollout>('rollouts', ns, name);
  const v = verb as Verb;
  switch (v) {
    case 'pause':
    case 'resume':
    case 'abort': {
      const spec = ROLLOUT_ACTION_SPEC[v];
      await client.patch<Rollout>('rollouts', ns, name, { spec }, 'merge');
      out(`rollout ${name}: ${v === 'pause' ? 'paused' : v === 'abort' ? 'aborted' : 'resumed'}\n`);
      return 0;
    }
    case 'undo': {
      const line = await undoRollout(client, await get(), ns, flagString(f, 'to-revision'));
      out(`rollout ${name}: ${line}\n`);
      return 0;
    }
    case 'status':
      return status(get, flagBool(f, 'watch'), out);
  }
}

async function status(
  get: () => Promise<Rollout>,
  watch: boolean,
  out: (s: string) => void,
): Promise<number> {
  let ro = await get();
  if (!watch) {
    out(renderRollout(ro));
    return exitCodeOf(ro);
  }
  const tty = process.stdout.isTTY === true;
  let last = '';
  for (;;) {
    const text = renderRollout(ro);
    if (text !== last) {
      // On a terminal the previous frame is overwritten (cursor up, clear to end).
      if (tty && last) out(`\x1b[${last.split('\n').length - 1}F\x1b[J`);
      out(text);
      last = text;
    }
    if (isSettled(ro)) return exitCodeOf(ro);
    await new Promise((r) => setTimeout(r, WATCH_INTERVAL_MS));
    ro = await get();
  }
}
