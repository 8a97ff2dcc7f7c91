// Starts the workload controllers the hub runs on its API client: ReplicaSet and Deployment.
// (DaemonSet, garbage collection and eviction are started by their own modules.)

import type { ApiClient } from '../api/client.js';
import { CONTROLLERS, type ControllerName } from '../auth/rbac/controller-roles.js';
import { EventRecorder } from '../events/recorder.js';
import { createLogger, type Logger } from '../../shared/log.js';
import type { InformerFactory } from '../informers/factory.js';
import { DeploymentController } from './deployment/controller.js';
import { ReplicaSetController } from './replicaset.js';
import type { RunnerOptions } from './runner.js';

export interface WorkloadControllersOptions {
  client: ApiClient;
  /** The client each controller acts through (its own identity); default: client for both. */
  clientFor?: (controller: ControllerName) => ApiClient;
  log?: Logger;
  /** Runner options shared by both controllers (workers, backoff). */
  runner?: Omit<RunnerOptions, 'log'>;
  /** Events on deployments (ScalingReplicaSet); default: one writing through client. */
  recorder?: EventRecorder;
  /** Shared informers of the hub; default: each controller its own. */
  informers?: InformerFactory;
}

export interface WorkloadControllers {
  replicaSets: ReplicaSetController;
  deployments: DeploymentController;
  stop(): Promise<void>;
}

export async function startWorkloadControllers(
  opts: WorkloadControllersOptions,
): Promise<WorkloadControllers> {
  const log = opts.log ?? createLogger('controllers');
  const clientFor = opts.clientFor ?? (() => opts.client);
  const recorder =
    opts.recorder ??
    new EventRecorder({
      client: clientFor(CONTROLLERS.deployment),
      component: 'deployment-controller',
      log: log.child('events'),
    });
  const replicaSets = new ReplicaSetController({
    client: clientFor(CONTROLLERS.replicaSet),
    runner: opts.runner,
    log: log.child('replicaset'),
    informers: opts.informers,
  });
  const deployments = new DeploymentController({
    client: clientFor(CONTROLLERS.deployment),
    recorder,
    runner: opts.runner,
    log: log.child('deployment'),
    informers: opts.informers,
  });
  await replicaSets.start();
  try {
    await deployments.start();
  } catch (e) {
    await replicaSets.stop();
    throw e;
  }
  return {
    replicaSets,
    deployments,
    async stop() {
      await deployments.stop();
      await replicaSets.stop();
    },
  };
}
