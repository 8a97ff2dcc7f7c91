// Docker Engine API failures (as docker-modem reports them) -> typed runtime errors.
import {
  ContainerNotFoundError,
  RuntimeApiError,
  type RuntimeError,
  RuntimeUnavailableError,
} from './errors.js';

/** Socket-level failures: nothing answers at the endpoint. */
const UNAVAILABLE_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EPIPE',
  'ENOTSOCK',
]);

export interface DockerFailure {
  statusCode?: number;
  code?: string;
  message: string;
}

/** The useful parts of whatever docker-modem / node threw. */
export function dockerFailure(err: unknown): DockerFailure {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { statusCode?: unknown; code?: unknown; json?: unknown };
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  let message = e.message;
  const json = e.json;
  if (json && typeof json === 'object' && 'message' in json && typeof json.message === 'string')
    message = json.message;
  else if (statusCode !== undefined) message = message.replace(/^\(HTTP code \d+\) [^-]* - /, '').trim();
  return { statusCode, code, message };
}

export function isUnavailable(f: DockerFailure): boolean {
  return f.code !== undefined && UNAVAILABLE_CODES.has(f.code);
}

/** Generic mapping; callers handle the status codes that mean something specific to them first. */
export function toRuntimeError(err: unknown, endpoint: string, containerId?: string): RuntimeError {
  const f = dockerFailure(err);
  if (isUnavailable(f)) return new RuntimeUnavailableError(endpoint, `${f.code}: ${f.message}`);
  if (f.statusCode === 404 && containerId !== undefined) return new ContainerNotFoundError(containerId);
  return new RuntimeApiError(f.message, f.statusCode);
}
