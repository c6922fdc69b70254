import type { z } from '@hono/zod-openapi';
import { ProblemSchema } from './problem.js';

/** Standard problem+json response entry for route definitions. */
export const problemContent = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** The error responses every authenticated route can produce. */
export const authErrors = {
  400: problemContent(
    'Invalid parameters (code `invalid_parameter`, `invalid_request` or `unknown_member`).',
  ),
  401: problemContent('Missing, malformed, unknown, expired, revoked or wrong-environment API key.'),
  403: problemContent('The key lacks the scope or the site.'),
  429: problemContent('Rate limit exceeded; see `Retry-After` and `RateLimit` headers.'),
  500: problemContent('Unexpected error (logged with the request id).'),
} as const;

/** Security requirement accepting any of the three ways to send a key. */
export const keySecurity: Array<Record<string, string[]>> = [
  { bearerAuth: [] },
  { apiKeyHeader: [] },
  { apiKeyQuery: [] },
];

/** Reusable JSON content helper. */
export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
