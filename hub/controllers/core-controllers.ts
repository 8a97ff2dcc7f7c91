// Starts the second half of the controller-manager: DaemonSet, Rollout, Job, CronJob, disruption
// (PodDisruptionBudget status), EndpointSlice, Endpoints (mirrored from the slices), ReplicationController, StatefulSet, the PersistentVolume binder, the HorizontalPodAutoscaler (given the boards' usage), garbage collector, pod GC, the NoExecute taint manager, the node pressure taints and the default ServiceAccounts, each with its own event recorder component name (as upstream).
// hub.ts calls this once the API is up and stops the result on shutdown.

import type { ApiClient } from '../api/client.js';
import { CONTROLLERS, type ControllerName } from '../auth/rbac/controller-roles.js';
import { EventRecorder } from '../events/recorder.js';
import { createLogger, type Logger } from '../../shared/log.js';
import type { InformerFactory } from '../informers/factory.js';
import { DaemonSetController } from './daemonset.js';
import { DisruptionController } from './disruption.js';
import { CronJobController } from './cronjob.js';
import { JobController } from './job.js';
import { EndpointSliceController } from './endpointslice.js';
import { EndpointsController } from './endpoints.js';
import { VolumeBinder } from './volume-binder.js';
import { StatefulSetController } from './statefulset.js';
import { REPLICATION_CONTROLLER_KIND, ReplicaSetController } from './replicaset.js';
import { HorizontalPodAutoscalerController } from './hpa/controller.js';
import type { UsageStore } from '../metrics-api/usage-store.js';
import { GarbageCollector } from './garbage-collector.js';
import { PodGarbageCollector } from './pod-gc.js';
import { RolloutController } from './rollout/controller.js';
import { PressureTaintController } from './pressure-taints.js';
import { ServiceAccountsController } from './serviceaccounts.js';
import { TaintEvictionController } from './taint-eviction.js';

export interface CoreControllersOptions {
  client: ApiClient;
  /**
   * The client each controller acts through (the hub: its own service account, see
   * hub/auth/rbac/controller-roles.ts); default: client for all.
   */
  clientFor?: (controller: ControllerName) => ApiClient;
  log?: Logger;
  /** Pod GC sweep period, ms (default DEFAULT_POD_GC_INTERVAL_MS, 20 s). */
  podGcIntervalMs?: number;
  /** Re-check of owners deleting in the foreground, ms (default 1 s). */
  foregroundRecheckMs?: number;
  /** Shared informers of the hub; default: each controller its own. */
  informers?: InformerFactory;
  /** The boards' latest usage (metrics.k8s.io's source): runs the HPA controller when given. */
  usage?: UsageStore;
  /** HPA re-evaluation period, ms (default DEFAULT_HPA_SYNC_PERIOD_MS, 15 s). */
  hpaSyncPeriodMs?: number;
  /** A Job's first delay before replacing a failed pod, ms (default JOB_BACKOFF_BASE_MS, 10 s). */
  jobBackoffBaseMs?: number;
}

export interface CoreControllers {
  stop(): Promise<void>;
}

export async function startCoreControllers(opts: CoreControllersOptions): Promise<CoreControllers> {
  const log = opts.log ?? createLogger('controllers');
  const clientFor = opts.clientFor ?? (() => opts.client);
  const informers = opts.informers;
  // Events are written by the controller that reports them, under its own identity.
  const recorder = (component: string, controller: ControllerName) =>
    new EventRecorder({ client: clientFor(controller), component, log: log.child(component) });
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const c of started.reverse()) await c.stop();
  };
  const all: { start(): Promise<void>; stop(): Promise<void> }[] = [
    new GarbageCollector({
      client: clientFor(CONTROLLERS.garbageCollector),
      ...(opts.foregroundRecheckMs !== undefined ? { foregroundRecheckMs: opts.foregroundRecheckMs } : {}),
      log: log.child('garbage-collector'),
      informers,
    }),
    new PodGarbageCollector({
      client: clientFor(CONTROLLERS.podGc),
      recorder: recorder('pod-garbage-collector', CONTROLLERS.podGc),
      ...(opts.podGcIntervalMs !== undefined ? { intervalMs: opts.podGcIntervalMs } : {}),
      log: log.child('pod-gc'),
      informers,
    }),
    new TaintEvictionController({
      client: clientFor(CONTROLLERS.taintEviction),
      recorder: recorder('taint-eviction-controller', CONTROLLERS.taintEviction),
      log: log.child('taint-eviction'),
      informers,
    }),
    new PressureTaintController({
      client: clientFor(CONTROLLERS.pressureTaint),
      log: log.child('pressure-taints'),
      informers,
    }),
    new ServiceAccountsController({
      client: clientFor(CONTROLLERS.serviceAccount),
      log: log.child('serviceaccounts'),
      informers,
    }),
    new DisruptionController({
      client: clientFor(CONTROLLERS.disruption),
      log: log.child('disruption'),
      informers,
    }),
    new EndpointSliceController({
      client: clientFor(CONTROLLERS.endpointSlice),
      log: log.child('endpointslice'),
      informers,
    }),
    new EndpointsController({
      client: clientFor(CONTROLLERS.endpoints),
      log: log.child('endpoints'),
      informers,
    }),
    new StatefulSetController({
      client: clientFor(CONTROLLERS.statefulSet),
      log: log.child('statefulset'),
      informers,
    }),
    new VolumeBinder({
      client: clientFor(CONTROLLERS.volumeBinder),
      log: log.child('volume-binder'),
      informers,
    }),
    // Upstream's replication manager: the ReplicaSet controller over ReplicationControllers.
    new ReplicaSetController({
      kind: REPLICATION_CONTROLLER_KIND,
      client: clientFor(CONTROLLERS.replication),
      log: log.child('replicationcontroller'),
      informers,
    }),
    new JobController({
      client: clientFor(CONTROLLERS.job),
      recorder: recorder('job-controller', CONTROLLERS.job),
      log: log.child('job'),
      informers,
      backoffBaseMs: opts.jobBackoffBaseMs,
    }),
    new CronJobController({
      client: clientFor(CONTROLLERS.cronJob),
      recorder: recorder('cronjob-controller', CONTROLLERS.cronJob),
      log: log.child('cronjob'),
      informers,
    }),
    new DaemonSetController({
      client: clientFor(CONTROLLERS.daemonSet),
      recorder: recorder('daemonset-controller', CONTROLLERS.daemonSet),
      log: log.child('daemonset'),
      informers,
    }),
    new RolloutController({
      client: clientFor(CONTROLLERS.rollout),
      recorder: recorder('rollout-controller', CONTROLLERS.rollout),
      log: log.child('rollout'),
      informers,
    }),
  ];
  if (opts.usage)
    all.push(
      new HorizontalPodAutoscalerController({
        client: clientFor(CONTROLLERS.hpa),
        usage: opts.usage,
        syncPeriodMs: opts.hpaSyncPeriodMs,
        recorder: recorder('horizontal-pod-autoscaler', CONTROLLERS.hpa),
        log: log.child('horizontal-pod-autoscaler'),
        informers,
      }),
    );
  try {
    for (const c of all) {
      await c.start();
      started.push(c);
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  return { stop: stopAll };
}
