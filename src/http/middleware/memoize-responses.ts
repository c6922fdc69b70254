import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.js';
import { etagMatches } from '../delivery.js';
import { setResponseHeader } from '../response-headers.js';

/** Response headers that belong to an insights answer (the rest is set per request by middleware). */
export const ANSWER_HEADERS: readonly string[] = [
  'Content-Type',
  'Content-Disposition',
  'ETag',
  'Cache-Control',
  'Vary',
  'Link',
  'X-Has-More',
];

/** The answer headers a 304 repeats (RFC 9110 §15.4.5), as `notModified` sets them. */
const NOT_MODIFIED_HEADERS: readonly string[] = ['ETag', 'Cache-Control', 'Vary'];

/** Options for {@link memoizeResponses}. */
export interface MemoizeResponsesOptions {
  /** The headers kept with an answer; defaults to {@link ANSWER_HEADERS}. */
  headers?: readonly string[];
}

/**
 * Serves a repeated `GET` from `services.responseMemo` before the route validates its query: the key is
 * the insights result version, the caller's site visibility and the exact path and query, so the same
 * request always meant the same answer. Answers are kept only after the route reported an insights cache
 * hit (`event.cache_hit`), so the kept bytes are exactly what the route serves on a hit, and never with
 * `api_key` in the query. Mount it as a route's own middleware, after authentication and the strict-query
 * check (both still run on every request); `If-None-Match` is answered 304 from the kept ETag.
 */
export function memoizeResponses(options: MemoizeResponsesOptions = {}): MiddlewareHandler<AppEnv> {
  const headerNames = options.headers ?? ANSWER_HEADERS;
  return async function memoizeResponsesMiddleware(c, next) {
    const { insights, responseMemo } = c.get('services');
    const version = insights.resultVersion();
    const url = c.req.url;
    const pathStart = url.indexOf('/', url.indexOf('//') + 2);
    if (version === undefined || c.req.method !== 'GET' || pathStart === -1 || url.includes('api_key')) {
      return next();
    }
    const allowlist = c.get('principal').siteAllowlist;
    const key = `${version}\n${allowlist === null ? '*' : allowlist.join(',')}\n${url.slice(pathStart)}`;
    const answer = responseMemo.get(key);
    if (answer) {
      const event = c.get('event');
      event.cache_hit = true;
      event.response_memo = true;
      if (answer.etag !== undefined && etagMatches(c.req.header('if-none-match'), answer.etag)) {
        for (const [name, value] of answer.headers) {
          if (NOT_MODIFIED_HEADERS.includes(name)) setResponseHeader(c, name, value);
        }
        return c.body(null, 304);
      }
      for (const [name, value] of answer.headers) setResponseHeader(c, name, value);
      return c.body(answer.body, 200, { 'Content-Type': answer.contentType });
    }
    await next();
    if (c.res.status !== 200 || c.get('event').cache_hit !== true) return;
    const outgoing = c.env?.outgoing;
    const headers: Array<[string, string]> = [];
    for (const name of headerNames) {
      const value = c.res.headers.get(name) ?? outgoing?.getHeader(name);
      if (value !== undefined && value !== null) headers.push([name, String(value)]);
    }
    const contentType = headers.find(([name]) => name === 'Content-Type')?.[1] ?? 'application/json';
    responseMemo.set(key, {
      body: new Uint8Array(await c.res.clone().arrayBuffer()),
      contentType,
      headers: headers.filter(([name]) => name !== 'Content-Type'),
      etag: headers.find(([name]) => name === 'ETag')?.[1],
    });
  };
}
