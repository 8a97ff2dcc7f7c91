// The scheduler process (kube-scheduler's role in the hub): watches nodes and pods through the
// API, pops unbound pods from the queue, runs one scheduling cycle each, assumes the choice
// in the cache and binds asynchronously. An unschedulable pod gets PodScheduled=False with
// the FitError message and a FailedScheduling event, and waits for a cluster change.

import { claimMayUnblock, volumeMayUnblock } from './volume-events.js';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Node, Pod } from '../../shared/api/types.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../shared/api/volumes.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { isNotFound } from '../api/errors.js';
import { EventRecorder } from '../events/recorder.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import { SchedulerCache } from './cache.js';
import { FitError, NoNodesAvailableError } from './fit-error.js';
import { resolveSchedulerOptions, type SchedulerOptions } from './options.js';
import { bindPod, markUnschedulable } from './pod-writes.js';
import { type QueueCounts, type QueuedPod, SchedulingQueue } from './queue.js';
import { schedulerMetricsFor } from './scheduler-metrics.js';
import { createSchedulerCore } from './schedule-one.js';

export type { SchedulerOptions } from './options.js';

/** The component name on events, as kube-scheduler's default profile. */
export const SCHEDULER_COMPONENT = 'default-scheduler';

export interface RunningScheduler {
  stop(): Promise<void>;
  /** Queue sizes (for metrics and tests). */
  counts(): QueueCounts & { bindsInFlight: number; scheduled: number; failedAttempts: number };
}

export async function startScheduler(
  opts: SchedulerOptions & { informers?: InformerFactory },
): Promise<RunningScheduler> {
  const o = resolveSchedulerOptions(opts);
  const log: Logger = opts.log ?? createLogger('scheduler');
  const client = opts.client;
  const core = createSchedulerCore({ profile: opts.profile });
  const queue = new SchedulingQueue(opts.queue);
  const metrics = opts.metrics
    ? schedulerMetricsFor(opts.metrics, SCHEDULER_COMPONENT, () => queue.counts())
    : undefined;
  const recorder = new EventRecorder({ client, component: SCHEDULER_COMPONENT, log });
  const cache = new SchedulerCache(
    {
      unscheduledPod: (pod) => queue.update(pod),
      podGone: (key) => queue.delete(key),
      clusterChanged: () => queue.moveAllToActiveOrBackoff(),
    },
    o.schedulerNames,
  );
  const informers = new InformerUse(opts.informers, client, log);
  const background = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    background.add(p);
    void p.finally(() => background.delete(p));
  };
  let binds = 0;
  let scheduled = 0;
  let failedAttempts = 0;
  let stopped = false;

  /** t0: when the attempt's cycle began (performance.now()), so the attempt includes the binding. */
  async function bind(q: QueuedPod, nodeName: string, t0: number): Promise<void> {
    const { pod, key } = q;
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    try {
      await bindPod(client, pod, nodeName);
      scheduled++;
      metrics?.attempt('scheduled', (performance.now() - t0) / 1000);
      metrics?.podScheduled(q.timestamp, q.attempts);
      queue.done(key);
      log.debug('bound', { pod: key, node: nodeName });
      // The event is written beside the next binds, not in this bind's slot (kube-scheduler's
      // recorder does not block the binding cycle either).
      track(
        recorder.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${nodeName}`),
      );
    } catch (e) {
      cache.forget(key);
      if (isNotFound(e)) {
        queue.delete(key);
        return;
      }
      failedAttempts++;
      metrics?.attempt('error', (performance.now() - t0) / 1000);
      log.warn('binding failed', { pod: key, node: nodeName, error: e as Error });
      queue.failed(key, false);
      await recorder.record(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${(e as Error).message}`);
    }
  }

  async function recordUnschedulable(pod: Pod, err: Error): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    try {
      await markUnschedulable(client, ns, name, err.message, o.statusUpdateAttempts);
    } catch (e) {
      if (!isNotFound(e))
        log.warn('could not set PodScheduled=False', { pod: `${ns}/${name}`, error: e as Error });
      if (isNotFound(e)) return;
    }
    await recorder.record(pod, 'Warning', 'FailedScheduling', err.message);
  }

  function scheduleOne(q: QueuedPod): void {
    if (cache.snapshot.nodeOf(q.key) !== undefined) {
      queue.done(q.key); // already placed (bound meanwhile)
      return;
    }
    const t0 = performance.now();
    const result = core.scheduleOne(q.pod, cache.snapshot);
    if (result instanceof FitError || result instanceof NoNodesAvailableError) {
      failedAttempts++;
      metrics?.attempt('unschedulable', (performance.now() - t0) / 1000);
      queue.failed(q.key, true);
      log.debug('unschedulable', { pod: q.key, reason: result.message });
      track(recordUnschedulable(q.pod, result));
      return;
    }
    cache.assume(q.pod, result.node);
    binds++;
    track(bind(q, result.node, t0).finally(() => binds--));
  }

  async function loop(): Promise<void> {
    let sliceStart = Date.now();
    while (!stopped) {
      // Within a slice no await between cycles: the binds it starts all reach the store
      // together, after the slice yields.
      const q = queue.tryPop() ?? (await queue.pop());
      if (!q || stopped) return;
      try {
        scheduleOne(q);
      } catch (e) {
        // A plugin bug must not stop scheduling: retry the pod with backoff.
        log.error('scheduling cycle failed', { pod: q.key, error: e as Error });
        metrics?.attempt('error', 0);
        queue.failed(q.key, false);
      }
      while (binds >= o.maxConcurrentBinds && !stopped) await Promise.race(background);
      // Let watch events and bind responses in between, once per time slice: binds issued in
      // one slice reach the store together and share its group commit (one fsync).
      if (Date.now() - sliceStart >= o.cycleSliceMs) {
        await yieldToEventLoop();
        sliceStart = Date.now();
      }
    }
  }

  // A relist may have hidden any change: parked pods get another look.
  const onRelist = () => queue.moveAllToActiveOrBackoff();
  try {
    await informers.watch<Node>('nodes', { onChange: (type, node) => cache.nodeEvent(type, node), onRelist });
    await informers.watch<Pod>('pods', { onChange: (type, pod) => cache.podEvent(type, pod), onRelist });
    // A claim bound or a volume changed may let a waiting pod fit (VolumeBinding).
    await informers.watch<PersistentVolumeClaim>('persistentvolumeclaims', {
      onChange: (type, c, old, initial) => {
        cache.snapshot.setClaim(c, type === 'DELETED');
        if (!initial && claimMayUnblock(type, c, old)) queue.moveAllToActiveOrBackoff();
      },
      onRelist,
    });
    await informers.watch<PersistentVolume>('persistentvolumes', {
      onChange: (type, v, old, initial) => {
        cache.snapshot.setVolume(v, type === 'DELETED');
        if (!initial && volumeMayUnblock(type, v, old)) queue.moveAllToActiveOrBackoff();
      },
      onRelist,
    });
  } catch (e) {
    informers.close();
    throw e;
  }
  const running = loop().catch((e) => log.error('scheduler loop ended', { error: e as Error }));
  log.info('scheduler started', { nodes: cache.snapshot.nodeCount, queued: queue.counts().active });

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      metrics?.detachQueue();
      queue.close();
      informers.close();
      await running;
      await Promise.allSettled([...background]);
    },
    counts: () => ({ ...queue.counts(), bindsInFlight: binds, scheduled, failedAttempts }),
  };
}
