import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The closed set of error codes. Every error response carries exactly one of these in `code`;
 * clients switch on it, so codes are only ever added, never renamed.
 */
export const PROBLEM_CODES = {
  invalid_request: { status: 400, title: 'The request is invalid' },
  invalid_parameter: { status: 400, title: 'A parameter is invalid' },
  invalid_json: { status: 400, title: 'The body is not valid JSON' },
  unknown_member: { status: 400, title: 'A dimension member does not exist' },
  missing_api_key: { status: 401, title: 'An API key is required' },
  malformed_api_key: { status: 401, title: 'The API key is malformed' },
  invalid_api_key: { status: 401, title: 'The API key is not valid' },
  expired_api_key: { status: 401, title: 'The API key has expired' },
  revoked_api_key: { status: 401, title: 'The API key has been revoked' },
  wrong_environment: { status: 401, title: 'The API key belongs to another environment' },
  insufficient_scope: { status: 403, title: 'The API key lacks a required scope' },
  site_forbidden: { status: 403, title: 'The API key may not read this site' },
  exceeds_key_bounds: { status: 403, title: "The request exceeds the calling key's own bounds" },
  not_found: { status: 404, title: 'The resource does not exist' },
  route_not_found: { status: 404, title: 'No such route' },
  method_not_allowed: { status: 405, title: 'Method not allowed on this route' },
  not_acceptable: { status: 406, title: 'The requested format is not available' },
  request_timeout: { status: 408, title: 'The request did not arrive in time' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  unprocessable: { status: 422, title: 'The request cannot be processed with the available data' },
  quota_exceeded: { status: 429, title: 'Rate limit exceeded' },
  header_fields_too_large: { status: 431, title: 'The request head is too large' },
  internal_error: { status: 500, title: 'Internal error' },
  dependency_unavailable: { status: 503, title: 'A dependency is unavailable' },
  not_ready: { status: 503, title: 'The service is not ready' },
  dependency_timeout: { status: 504, title: 'A dependency did not answer in time' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

/** One of the stable error codes. */
export type ProblemCode = keyof typeof PROBLEM_CODES;

/** Extra members a problem may carry (RFC 9457 extension members). */
export interface ProblemExtras {
  /** Offending parameter or field, for validation errors. */
  param?: string;
  /** Field-level validation issues. */
  errors?: Array<{ path: string; message: string }>;
  [key: string]: unknown;
}

/** An error that renders as `application/problem+json`; throw it anywhere below a route. */
export class ProblemError extends Error {
  readonly code: ProblemCode;
  readonly status: ContentfulStatusCode;
  readonly extras: ProblemExtras;
  readonly headers: Record<string, string>;

  constructor(
    code: ProblemCode,
    detail: string,
    extras: ProblemExtras = {},
    options: { headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'ProblemError';
    this.code = code;
    this.status = PROBLEM_CODES[code].status;
    this.extras = extras;
    this.headers = options.headers ?? {};
  }
}

/** The problem+json body (RFC 9457) with DatAlive's `code` and `request_id` members. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: '/problems/invalid_parameter' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    code: z.enum(Object.keys(PROBLEM_CODES) as [ProblemCode, ...ProblemCode[]]),
    request_id: z.string().optional(),
    param: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .passthrough()
  .openapi('Problem');

/** Problem body type. */
export type Problem = z.infer<typeof ProblemSchema>;

/** Builds the JSON body of a problem. */
export function problemBody(
  code: ProblemCode,
  detail: string,
  extras: ProblemExtras = {},
  context: { instance?: string; requestId?: string } = {},
): Problem {
  const { status, title } = PROBLEM_CODES[code];
  return {
    type: `/problems/${code}`,
    title,
    status,
    detail,
    code,
    ...(context.instance ? { instance: context.instance } : {}),
    ...(context.requestId ? { request_id: context.requestId } : {}),
    ...extras,
  };
}

/** Writes a problem response on a Hono context. */
export function problemResponse(c: Context, error: ProblemError): Response {
  const body = problemBody(error.code, error.message, error.extras, {
    instance: c.req.path,
    requestId: c.get('requestId') as string | undefined,
  });
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  c.header('Content-Type', 'application/problem+json');
  c.header('Cache-Control', 'no-store');
  return c.body(JSON.stringify(body), error.status);
}
