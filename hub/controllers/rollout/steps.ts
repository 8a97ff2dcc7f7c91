// The steps of one Rollout reconcile, in order. Each re-reads what it needs from the context
// (level-based: a step that finds nothing to do passes) and answers 'continue' or 'stop'; the
// controller writes the status after the last step that ran.
//   read target       the DaemonSet or Deployment exists (target.ts: its units, boards or
//                     replica slots, and their pods)
//   take over         the rollout, not the workload's controller, decides which units get the
//                     new template (DaemonSet: OnDelete; Deployment: marked, ReplicaSets sized
//                     by the rollout)
//   observe revision  a new template starts a rollout at the first wave; the first sight of the
//                     DaemonSet records its stable revision
//   check gates       a failed gate (or abort) turns the rollout to RollingBack; a passed gate
//                     starts the next wave; the last one passing completes it
//   roll back         the template goes back to the stable revision (as `kubectl rollout undo`),
//                     then every unit is moved back to it, at once (never paced)
//   update boards     Ready units of the waves started so far get the new revision, at most
//                     the wave's maxInFlight at once and its maxPerMinute (pace.ts); offline
//                     boards wait for their return (also after the rollout completed)

import { assessed } from './assess.js';
import { type RolloutContext, setPhase, TERMINAL_PHASES, wakeAt } from './context.js';
import { evaluateGate, gateFailed } from './gate.js';
import { revisionOf } from './pod-facts.js';

export type StepResult = 'continue' | 'stop';

export interface Step {
  name: string;
  run(ctx: RolloutContext): Promise<StepResult>;
}

const isoNow = (ctx: RolloutContext) => new Date(ctx.now).toISOString();

async function readTarget(ctx: RolloutContext): Promise<StepResult> {
  const t = ctx.ops.target(ctx.ro);
  if (!t) {
    ctx.next.message = `${ctx.ro.spec.targetRef.kind} ${ctx.ro.spec.targetRef.name} not found`;
    return 'stop';
  }
  ctx.target = t;
  ctx.hash = t.hash;
  ctx.boards = t.boards;
  const labelled = [...ctx.boards.keys()].map((name) => ({ name, labels: t.labels(name) }));
  ctx.waves = ctx.ops.plan(ctx.ro, labelled);
  return 'continue';
}

async function takeOver(ctx: RolloutContext): Promise<StepResult> {
  const msg = await ctx.target?.takeOver(ctx.ro);
  if (msg === undefined) return 'continue';
  ctx.ops.event(ctx.ro, 'Normal', 'TookOver', msg);
  return 'stop'; // the target's watch event brings the next reconcile
}

/** The revision most pods run besides the current template's (the one a rollout started from). */
function previousRevision(ctx: RolloutContext): string | undefined {
  const n = new Map<string, number>();
  for (const b of ctx.boards.values()) {
    const r = b.pod && revisionOf(b.pod);
    if (r && r !== ctx.hash) n.set(r, (n.get(r) ?? 0) + 1);
  }
  return [...n].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function start(ctx: RolloutContext, message: string): void {
  const n = ctx.next;
  n.updateRevision = ctx.hash;
  n.currentWave = 0;
  n.waveStartTime = isoNow(ctx);
  setPhase(ctx, 'Progressing', 'RolloutStarted', message);
  ctx.ops.event(ctx.ro, 'Normal', 'RolloutStarted', message);
}

async function observeRevision(ctx: RolloutContext): Promise<StepResult> {
  const n = ctx.next;
  if (!n.stableRevision) {
    const prev = previousRevision(ctx);
    n.stableRevision = prev ?? ctx.hash;
    if (prev) start(ctx, `rolling out revision ${ctx.hash} from ${prev}`);
    else {
      n.updateRevision = ctx.hash;
      setPhase(ctx, 'Healthy', 'StableRevision', `every board runs revision ${ctx.hash}`);
    }
    return 'continue';
  }
  if (n.phase === 'RollingBack') {
    // Our own revert may not show yet; a template other than the one rolled back is the user's.
    if (ctx.hash !== n.stableRevision && ctx.hash !== n.updateRevision)
      start(ctx, `rolling out revision ${ctx.hash} from ${n.stableRevision}`);
    return 'continue';
  }
  if (ctx.hash === n.stableRevision) {
    // The template went back (kubectl rollout undo) while a rollout was under way.
    if (n.phase === 'Progressing' || n.phase === 'Paused')
      setPhase(ctx, 'RollingBack', 'TemplateReverted', `template reverted to revision ${ctx.hash}`);
    return 'continue';
  }
  if (ctx.hash !== n.updateRevision || TERMINAL_PHASES.has(n.phase ?? 'Healthy'))
    start(ctx, `rolling out revision ${ctx.hash} from ${n.stableRevision}`);
  return 'continue';
}

async function checkGates(ctx: RolloutContext): Promise<StepResult> {
  const n = ctx.next;
  if (n.phase !== 'Progressing' && n.phase !== 'Paused') return 'continue';
  if (ctx.ro.spec.abort) {
    setPhase(ctx, 'RollingBack', 'RolloutAborted', `aborted: rolling back to revision ${n.stableRevision}`);
    ctx.ops.event(ctx.ro, 'Warning', 'RolloutAborted', ctx.next.message ?? '');
    return 'continue';
  }
  const revision = n.updateRevision ?? ctx.hash;
  const spec = ctx.ro.spec;
  const offline = {
    policy: spec.offline?.policy ?? 'Skip',
    timeoutSeconds: spec.offline?.timeoutSeconds ?? 0,
  };
  for (;;) {
    const a = assessed(ctx, revision);
    const current = n.currentWave ?? 0;
    for (let i = 0; i <= Math.min(current, ctx.waves.length - 1); i++) {
      const w = ctx.waves[i];
      if (!gateFailed(a.counts[i], w.gate)) continue;
      const msg = `wave ${w.name}: ${a.counts[i].failed} of ${w.boards.length} boards failed (${a.firstFailure[i]}); rolling back to revision ${n.stableRevision}`;
      n.failedRevision = revision;
      setPhase(ctx, 'RollingBack', 'GateFailed', msg);
      ctx.ops.event(ctx.ro, 'Warning', 'GateFailed', msg);
      return 'continue';
    }
    if (current >= ctx.waves.length) {
      n.stableRevision = revision;
      setPhase(ctx, 'Completed', 'RolloutCompleted', `every wave passed: revision ${revision} is stable`);
      ctx.ops.event(ctx.ro, 'Normal', 'RolloutCompleted', ctx.next.message ?? '');
      return 'continue';
    }
    if (spec.paused) {
      if (n.phase !== 'Paused')
        setPhase(ctx, 'Paused', 'RolloutPaused', `paused in wave ${ctx.waves[current].name}`);
      return 'continue';
    }
    if (n.phase === 'Paused')
      setPhase(ctx, 'Progressing', 'RolloutResumed', `resumed in wave ${ctx.waves[current].name}`);
    const started = Date.parse(n.waveStartTime ?? '') || ctx.now;
    const v = evaluateGate(a.counts[current], ctx.waves[current].gate, offline, started, ctx.now);
    wakeAt(ctx, v.wakeAt);
    wakeAt(ctx, a.wakeAt);
    if (v.result !== 'passed') return 'continue';
    const passed = ctx.waves[current];
    n.currentWave = current + 1;
    n.waveStartTime = isoNow(ctx);
    const msg = `wave ${passed.name} passed its gate (${a.counts[current].healthy} of ${passed.boards.length} boards healthy)`;
    setPhase(ctx, 'Progressing', 'WavePassed', msg);
    ctx.ops.event(ctx.ro, 'Normal', 'WavePassed', msg);
  }
}

async function rollBack(ctx: RolloutContext): Promise<StepResult> {
  const n = ctx.next;
  const t = ctx.target;
  if (n.phase !== 'RollingBack' || !t) return 'continue';
  const stable = n.stableRevision ?? ctx.hash;
  if (ctx.hash !== stable) {
    // Only the revision being rolled back is reverted, never a template set since.
    if (ctx.hash !== n.updateRevision) return 'stop';
    if (!(await t.revert(stable)))
      n.message = `cannot roll back: the template of revision ${stable} is not kept`;
    return 'stop'; // the reverted template shows in the next reconcile
  }
  if (!(await t.restore(ctx.ro, stable))) return 'stop';
  const failed = n.failedRevision !== undefined && n.failedRevision === n.updateRevision;
  n.updateRevision = stable;
  if (ctx.ro.spec.abort)
    setPhase(ctx, 'Aborted', 'RolloutAborted', `aborted: every board back on revision ${stable}`);
  else if (failed)
    setPhase(
      ctx,
      'RolledBack',
      'RolledBack',
      `revision ${n.failedRevision} failed its gate: every board back on revision ${stable}`,
    );
  else setPhase(ctx, 'Healthy', 'RolledBack', `every board back on revision ${stable}`);
  ctx.ops.event(ctx.ro, 'Normal', 'RolledBack', n.message ?? '');
  return 'continue';
}

async function updateBoards(ctx: RolloutContext): Promise<StepResult> {
  const n = ctx.next;
  // After completion a board that was offline during its wave still gets the revision on return.
  const moving = (n.phase === 'Progressing' && !ctx.ro.spec.paused) || n.phase === 'Completed';
  const t = ctx.target;
  if (!t?.settled(ctx.ro)) return 'continue';
  // Paused or not: what an earlier update decided is finished (no wave starts while paused).
  await t.converge?.();
  if (!moving) return 'continue';
  const current = Math.min(n.currentWave ?? 0, ctx.waves.length - 1);
  if (current < 0) return 'continue';
  const a = assessed(ctx, n.updateRevision ?? ctx.hash);
  let inFlight = 0;
  const candidates: string[] = [];
  for (let i = 0; i <= current; i++)
    for (const name of ctx.waves[i].boards) {
      const h = a.health.get(name);
      if (h?.state === 'updating') inFlight++;
      if (h?.state === 'old' && ctx.boards.get(name)?.pod) candidates.push(name);
    }
  const wave = ctx.waves[current];
  let room = Math.min(candidates.length, Math.max(0, wave.maxInFlight - inFlight));
  if (room > 0 && wave.maxPerMinute !== undefined) {
    const g = ctx.ops.pace(ctx.ro, wave.maxPerMinute, room, ctx.now);
    room = g.granted;
    wakeAt(ctx, g.wakeAt);
  }
  const now = candidates.slice(0, room);
  if (now.length) await t.update(ctx.ro, now, `wave ${wave.name}`);
  return 'continue';
}

export const ROLLOUT_STEPS: readonly Step[] = [
  { name: 'read target', run: readTarget },
  { name: 'take over', run: takeOver },
  { name: 'observe revision', run: observeRevision },
  { name: 'check gates', run: checkGates },
  { name: 'roll back', run: rollBack },
  { name: 'update boards', run: updateBoards },
];
