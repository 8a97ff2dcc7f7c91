// API failures as the hub reports them: a Kubernetes Status with a code and a message.

import type { Status } from '../../../shared/api/types.js';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The token was refused (401): the user must sign in again. */
export class UnauthorizedError extends ApiError {
  override name = 'UnauthorizedError';
}

export async function errorFrom(res: Response): Promise<ApiError> {
  let s: Partial<Status> = {};
  try {
    s = (await res.json()) as Status;
  } catch {
    // not a Status body
  }
  const msg = s.message ?? `${res.status} ${res.statusText}`;
  const Cls = res.status === 401 ? UnauthorizedError : ApiError;
  return new Cls(res.status, s.reason ?? '', msg);
}
