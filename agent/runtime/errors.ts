// Typed runtime errors, one class per failure mode. `kubeReason` is the reason Kubernetes shows
// in a container's waiting state for that failure, so the pod status writer needs no mapping.

export abstract class RuntimeError extends Error {
  abstract readonly kubeReason: string;
}

export type ImagePullFailure = 'not-found' | 'unauthorized' | 'unreachable' | 'unknown';

export class ImagePullError extends RuntimeError {
  override name = 'ImagePullError';
  readonly kubeReason = 'ErrImagePull';
  constructor(
    readonly image: string,
    readonly reason: ImagePullFailure,
    detail: string,
  ) {
    super(`failed to pull image "${image}" (${reason}): ${detail}`);
  }
}

/** The image is not on the node and may not be pulled (imagePullPolicy Never), or create found none. */
export class ImageNotPresentError extends RuntimeError {
  override name = 'ImageNotPresentError';
  readonly kubeReason = 'ErrImageNeverPull';
  constructor(readonly image: string) {
    super(`container image "${image}" is not present on the node`);
  }
}

export class ContainerNotFoundError extends RuntimeError {
  override name = 'ContainerNotFoundError';
  readonly kubeReason = 'ContainerNotFound';
  constructor(readonly containerId: string) {
    super(`no such container: ${containerId}`);
  }
}

/** The runtime cannot be reached at all: socket missing, permission denied, daemon down. */
export class RuntimeUnavailableError extends RuntimeError {
  override name = 'RuntimeUnavailableError';
  readonly kubeReason = 'RuntimeUnavailable';
  constructor(
    readonly endpoint: string,
    readonly detail: string,
  ) {
    super(`container runtime at ${endpoint} is unavailable: ${detail}`);
  }
}

/** The runtime refused the container create (bad config, name conflict, ...). */
export class CreateContainerError extends RuntimeError {
  override name = 'CreateContainerError';
  readonly kubeReason = 'CreateContainerError';
}

/** The runtime created the container but could not start it (e.g. the command does not exist). */
export class StartContainerError extends RuntimeError {
  override name = 'StartContainerError';
  readonly kubeReason = 'RunContainerError';
}

/** The pod's own config cannot be turned into a container: missing ConfigMap/Secret/key, bad mount. */
export class CreateContainerConfigError extends RuntimeError {
  override name = 'CreateContainerConfigError';
  readonly kubeReason = 'CreateContainerConfigError';
}

/** A configMap/secret/hostPath volume could not be set up on the host. */
export class VolumeSetupError extends RuntimeError {
  override name = 'VolumeSetupError';
  readonly kubeReason = 'FailedMount';
  constructor(
    readonly volume: string,
    detail: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${detail}`);
  }
}

export class ExecTimeoutError extends RuntimeError {
  override name = 'ExecTimeoutError';
  readonly kubeReason = 'ExecTimeout';
  constructor(
    readonly containerId: string,
    readonly timeoutMs: number,
  ) {
    super(`exec in container ${containerId} did not finish within ${timeoutMs} ms`);
  }
}

/** Any other runtime API failure, with the runtime's HTTP status when there was one. */
export class RuntimeApiError extends RuntimeError {
  override name = 'RuntimeApiError';
  readonly kubeReason = 'RuntimeError';
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
  }
}
