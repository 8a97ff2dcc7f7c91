// Typed errors of the pod manager, one class per failure mode.

/** logs() for a pod this node does not run. */
export class PodNotFoundError extends Error {
  override name = 'PodNotFoundError';
  constructor(
    readonly namespace: string,
    readonly pod: string,
  ) {
    super(`pod ${namespace}/${pod} is not running on this node`);
  }
}

/** logs() without a container name for a pod with several containers, or an unknown name. */
export class ContainerNameError extends Error {
  override name = 'ContainerNameError';
}

/** logs() for a container that has no (previous) instance to read from. */
export class NoContainerInstanceError extends Error {
  override name = 'NoContainerInstanceError';
}

/** exec() into a container that is not running (exited, waiting to restart). */
export class ContainerNotRunningError extends Error {
  override name = 'ContainerNotRunningError';
}

/** A pod's ports cannot be reached yet (no running sandbox with an address). */
export class PodNotReachableError extends Error {
  override name = 'PodNotReachableError';
}

/** Invalid PodManager options. */
export class PodManagerOptionsError extends Error {
  override name = 'PodManagerOptionsError';
}
