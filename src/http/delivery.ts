import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { AppEnv } from './context.js';
import { ProblemError } from './problem.js';
import { setResponseHeader } from './response-headers.js';

/** A scalar cell of a flat row. */
export type Cell = string | number | boolean | null;

/** Renders rows as RFC 4180 CSV with a header row (CRLF line ends, quotes doubled). */
export function toCsv<Row extends object>(columns: readonly string[], rows: readonly Row[]): string {
  const quote = (value: unknown): string => {
    if (value === null || value === undefined) return '';
    const text = typeof value === 'string' ? value : String(value);
    return /[",\r\n]/.test(text) || (typeof value === 'string' && /^[=+\-@]/.test(text))
      ? `"${text.replace(/"/g, '""')}"`
      : text;
  };
  const lines = [
    columns.join(','),
    ...rows.map((row) => columns.map((column) => quote((row as Record<string, unknown>)[column])).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** Opaque paging cursor bound to the query it was issued for. */
export function encodeCursor(position: unknown, queryFingerprint: string): string {
  return Buffer.from(JSON.stringify({ p: position, q: queryFingerprint })).toString('base64url');
}

/** Decodes a cursor; a tampered cursor or one from another query is a 400 naming `cursor`. */
export function decodeCursor<T>(
  cursor: string | undefined,
  queryFingerprint: string,
  isValid: (value: unknown) => value is T,
): T | null {
  if (!cursor) return null;
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      p?: unknown;
      q?: unknown;
    };
    if (decoded.q === queryFingerprint && isValid(decoded.p)) return decoded.p;
  } catch {
    // fall through to the problem below
  }
  throw new ProblemError('invalid_parameter', 'cursor is not valid for this query; start again without it.', {
    param: 'cursor',
  });
}

const serializedOnce = new WeakMap<object, string>();

/**
 * JSON text of a value that is never changed once built (a cached insights result), serialised once
 * and reused by every response that carries it.
 */
export function serializedOnceJson(value: object): string {
  let text = serializedOnce.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    serializedOnce.set(value, text);
  }
  return text;
}

/**
 * A `200 application/json` response `{data, meta, links}` whose `data` comes from
 * {@link serializedOnceJson}: a cache hit pays for serialising `meta` and `links` only.
 */
export function listEnvelopeResponse(
  c: Context<AppEnv>,
  body: { data: object; meta: object; links: object },
): Response {
  return c.body(
    `{"data":${serializedOnceJson(body.data)},"meta":${JSON.stringify(body.meta)},"links":${JSON.stringify(body.links)}}`,
    200,
    { 'Content-Type': 'application/json' },
  );
}

/** Wraps `compute` so it runs at most once, on first call (for values only some requests need). */
export function memoized<T>(compute: () => T): () => T {
  let computed = false;
  let value: T;
  return () => {
    if (!computed) {
      value = compute();
      computed = true;
    }
    return value;
  };
}

/** Stable fingerprint of the query parameters that define a result set (paging parameters excluded). */
export function queryFingerprint(
  c: Context<AppEnv>,
  excluded: readonly string[] = ['cursor', 'limit', 'format', 'api_key'],
): string {
  const url = new URL(c.req.url);
  const entries = [...url.searchParams.entries()].filter(([name]) => !excluded.includes(name)).sort();
  return createHash('sha256').update(JSON.stringify(entries)).digest('base64url').slice(0, 16);
}

/** The link to the next page: same path and parameters (never `api_key`), with the new cursor. */
export function nextLink(c: Context<AppEnv>, cursor: string | null): string | null {
  if (!cursor) return null;
  const url = new URL(c.req.url);
  url.searchParams.delete('api_key');
  url.searchParams.set('cursor', cursor);
  return `${url.pathname}?${url.searchParams.toString()}`;
}

/** Answers 304 when the client's `If-None-Match` matches; sets `ETag` and a private cache policy. */
export function notModified(c: Context<AppEnv>, etag: string): Response | undefined {
  setResponseHeader(c, 'ETag', etag);
  setResponseHeader(c, 'Cache-Control', 'private, max-age=60');
  setResponseHeader(c, 'Vary', 'Authorization, X-API-Key');
  const match = c.req.header('if-none-match');
  if (match?.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
    return c.body(null, 304);
  }
  return undefined;
}

/** Sends rows as CSV with a download-friendly content type. */
export function csvResponse<Row extends object>(
  c: Context<AppEnv>,
  name: string,
  columns: readonly string[],
  rows: readonly Row[],
) {
  return c.body(toCsv(columns, rows), 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `inline; filename="${name}.csv"`,
  });
}
