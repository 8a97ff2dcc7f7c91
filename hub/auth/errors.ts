// Why a join is refused: one class per failure mode. All extend JoinRefusedError so the join
// handler tells a refusal (answered to the agent, with a Warning event) from a failure of the
// hub itself (the API down), which is only logged.

export class JoinRefusedError extends Error {
  override name = 'JoinRefusedError';
}

/** Malformed, unknown, wrong secret, or not usable for authentication. */
export class InvalidBootstrapTokenError extends JoinRefusedError {
  override name = 'InvalidBootstrapTokenError';
}

/** Past its `expiration` (Kubernetes' bootstrap token field). */
export class ExpiredBootstrapTokenError extends JoinRefusedError {
  override name = 'ExpiredBootstrapTokenError';
}

/** Every use the token allowed (`usage-limit`) is spent. */
export class BootstrapTokenUsedUpError extends JoinRefusedError {
  override name = 'BootstrapTokenUsedUpError';
}

/** A per-board token presented for another node name. */
export class BootstrapTokenNodeMismatchError extends JoinRefusedError {
  override name = 'BootstrapTokenNodeMismatchError';
}

/** The name holds a live credential and the joiner did not present it. */
export class NodeNameTakenError extends JoinRefusedError {
  override name = 'NodeNameTakenError';
}

/** The node's credential was revoked (`drover node revoke`, or its Node deleted). */
export class NodeRevokedError extends JoinRefusedError {
  override name = 'NodeRevokedError';
}
