import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { DomainError } from '../domain/errors.js';
import { WarehouseError } from '../ports/warehouse.js';
import type { AppEnv } from './context.js';
import { type ProblemCode, ProblemError, problemResponse } from './problem.js';

const STATUS_CODES: Partial<Record<number, ProblemCode>> = {
  400: 'invalid_request',
  401: 'missing_api_key',
  403: 'insufficient_scope',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'quota_exceeded',
  503: 'dependency_unavailable',
  504: 'dependency_timeout',
};

/** Converts a zod validation failure into a 400 problem naming the first offending parameter. */
export function validationProblem(error: ZodError, target: string): ProblemError {
  const errors = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || target,
    message: issue.message,
  }));
  const first = errors[0] ?? { path: target, message: 'invalid' };
  const code: ProblemCode = target === 'json' ? 'invalid_request' : 'invalid_parameter';
  return new ProblemError(code, `${first.path}: ${first.message}`, { param: first.path, errors });
}

/** Maps any thrown value to a problem; unknown errors become a logged 500 without internals. */
export function toProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof DomainError) return new ProblemError(error.code, error.message, error.extras);
  if (error instanceof WarehouseError) {
    if (error.failure === 'timeout')
      return new ProblemError('dependency_timeout', 'The warehouse did not answer in time.');
    if (error.failure === 'unavailable')
      return new ProblemError('dependency_unavailable', 'The warehouse is unavailable.');
  }
  if (error instanceof HTTPException) {
    const code = STATUS_CODES[error.status] ?? (error.status >= 500 ? 'internal_error' : 'invalid_request');
    return new ProblemError(code, error.message || 'Request failed.');
  }
  const sqlState = (error as { code?: unknown }).code;
  if (isConnectionFailure(error, sqlState)) {
    return new ProblemError(
      'dependency_unavailable',
      'The database is unavailable; retry shortly.',
      {},
      { cause: error },
    );
  }
  if (
    typeof sqlState === 'string' &&
    (sqlState === '22021' || sqlState === '22P05' || sqlState === '54000')
  ) {
    return new ProblemError(
      'invalid_request',
      'The request contains characters or sizes the store cannot keep (for example NUL bytes).',
    );
  }
  if (error instanceof SyntaxError && /JSON/i.test(error.message)) {
    return new ProblemError('invalid_json', 'The request body is not valid JSON.');
  }
  return new ProblemError(
    'internal_error',
    'An unexpected error occurred; it has been logged.',
    {},
    { cause: error },
  );
}

/** `app.onError` handler: every error leaves as problem+json, 5xx are logged with their cause. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  const problem = toProblem(error);
  if (problem.status >= 500) {
    c.get('services')?.logger.error(
      { err: problem.cause ?? error, code: problem.code, request_id: c.get('requestId') },
      'request failed',
    );
  }
  const event = c.get('event');
  if (event) event.error_code = problem.code;
  return problemResponse(c, problem);
}

/** `app.notFound` handler. */
export function handleNotFound(c: Context<AppEnv>): Response {
  return problemResponse(
    c,
    new ProblemError('route_not_found', `No route for ${c.req.method} ${c.req.path}.`),
  );
}

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/** True for a failure to reach Postgres (refused, reset, pool connect timeout, server shutting down). */
function isConnectionFailure(error: unknown, code: unknown): boolean {
  if (
    typeof code === 'string' &&
    (CONNECTION_ERRNOS.has(code) || code.startsWith('08') || code === '57P01' || code === '57P03')
  ) {
    return true;
  }
  if (code === 'ENOENT' && (error as { syscall?: unknown }).syscall === 'connect') return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
    message,
  );
}
