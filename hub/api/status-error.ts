// Rebuilds the typed ApiError for a Status received over HTTP, so remote callers can use
// instanceof / isNotFound / isConflict exactly like in-process ones.

import type { Status } from '../../shared/api/types.js';
import {
  AlreadyExistsError,
  ApiError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  GoneError,
  InternalError,
  InvalidError,
  MethodNotAllowedError,
  NotFoundError,
  RequestEntityTooLargeError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from './errors.js';

function build(s: Status): ApiError {
  const d = s.details ?? {};
  const kind = d.kind ?? '';
  const name = d.name ?? '';
  switch (s.reason) {
    case 'NotFound':
      return new NotFoundError(kind, name, d.group);
    case 'AlreadyExists':
      return new AlreadyExistsError(kind, name, d.group);
    case 'Conflict':
      return new ConflictError(kind, name, d.group);
    case 'Invalid':
      return new InvalidError(kind, name, d.causes ?? [], d.group);
    case 'BadRequest':
      return new BadRequestError(s.message ?? '');
    case 'Expired':
    case 'Gone':
      return new GoneError(s.message ?? '');
    case 'MethodNotAllowed':
      return new MethodNotAllowedError('', '');
    case 'RequestEntityTooLarge':
      return new RequestEntityTooLargeError(0);
    case 'UnsupportedMediaType':
      return new UnsupportedMediaTypeError('');
    case 'Unauthorized':
      return new UnauthorizedError(s.message);
    case 'Forbidden':
      return new ForbiddenError(s.message ?? '');
    case 'TooManyRequests':
      return new TooManyRequestsError(s.message ?? '', d.retryAfterSeconds);
    case 'ServiceUnavailable':
      return new ServiceUnavailableError(s.message ?? '');
    case 'InternalError':
      return new InternalError('');
    default:
      return new ApiError(
        s.code,
        s.reason ?? 'Unknown',
        s.message ?? '',
        { group: d.group, kind, name },
        d.causes ?? [],
      );
  }
}

export function errorFromStatus(s: Status): ApiError {
  const e = build(s);
  // The server's wording is the one to show; the class carries the failure mode.
  if (s.message) e.message = s.message;
  return e;
}

export function isStatus(v: unknown): v is Status {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Status';
}
