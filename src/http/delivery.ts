import {
  createHash,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import type { Context } from 'hono';
import type { AppEnv } from './context.js';
import { ProblemError } from './problem.js';
import { setResponseHeader } from './response-headers.js';

/** A scalar cell of a flat row. */
export type Cell = string | number | boolean | null;

/** Text cells a spreadsheet would read as a formula (OWASP CSV injection): `= + - @`, tab, carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell: numbers and booleans as written; text that a spreadsheet would run as a formula prefixed
 * with `'` (OWASP's neutralisation); quoted when it holds a quote, comma, line break or was neutralised.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return text !== value || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Renders rows as RFC 4180 CSV with a header row (CRLF line ends, quotes doubled, formulas neutralised). */
export function toCsv<Row extends object>(columns: readonly string[], rows: readonly Row[]): string {
  const lines = [
    columns.join(','),
    ...rows.map((row) =>
      columns.map((column) => csvCell((row as Record<string, unknown>)[column])).join(','),
    ),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

let cursorKey: KeyObject = createSecretKey(randomBytes(32));

/**
 * Sets the key cursors are signed with (derived from a server secret shared by every task, so a cursor
 * from one task pages on another). Until set, a random per-process key is used.
 */
export function setCursorSigningSecret(secret: string): void {
  cursorKey = createSecretKey(createHmac('sha256', secret).update('datalive cursor signing v1').digest());
}

const cursorSignature = (payload: string): string =>
  createHmac('sha256', cursorKey).update(payload).digest('base64url').slice(0, 22);

/**
 * Opaque paging cursor bound to the query it was issued for: `base64url(JSON).signature`, the signature an
 * HMAC-SHA-256 of the payload with the server's cursor key, so a cursor cannot be forged or altered.
 */
export function encodeCursor(position: unknown, queryFingerprint: string): string {
  const payload = Buffer.from(JSON.stringify({ p: position, q: queryFingerprint })).toString('base64url');
  return `${payload}.${cursorSignature(payload)}`;
}

/** Decodes a cursor; an unsigned, forged, tampered or foreign cursor is a 400 naming `cursor`. */
export function decodeCursor<T>(
  cursor: string | undefined,
  queryFingerprint: string,
  isValid: (value: unknown) => value is T,
): T | null {
  if (!cursor) return null;
  const [payload = '', signature = '', ...rest] = cursor.split('.');
  const expected = Buffer.from(cursorSignature(payload));
  const given = Buffer.from(signature);
  if (rest.length === 0 && given.length === expected.length && timingSafeEqual(given, expected)) {
    try {
      const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        p?: unknown;
        q?: unknown;
      };
      if (decoded.q === queryFingerprint && isValid(decoded.p)) return decoded.p;
    } catch {
      // fall through to the problem below
    }
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
  if (etagMatches(c.req.header('if-none-match'), etag)) return c.body(null, 304);
  return undefined;
}

/** Whether an `If-None-Match` header names `etag` (or `*`). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  return ifNoneMatch?.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*') === true;
}

/** OpenAPI description of the paging headers {@link csvResponse} sets on paged lists. */
export const csvPagingHeaders = {
  Link: {
    description: 'CSV only: `<next page>; rel="next"` while another page follows.',
    schema: { type: 'string' as const },
  },
  'X-Has-More': {
    description: 'CSV only: `true` while another page follows, `false` on the last page.',
    schema: { type: 'string' as const, enum: ['true', 'false'] },
  },
};

/**
 * Sends rows as CSV with a download-friendly content type. For a paged list, `next` is the next page's
 * link (or null on the last page): it goes out as `Link: <…>; rel="next"`, and every page says whether
 * another follows in `X-Has-More` (`false` marks the last page), since a CSV body cannot carry `links`.
 */
export function csvResponse<Row extends object>(
  c: Context<AppEnv>,
  name: string,
  columns: readonly string[],
  rows: readonly Row[],
  next?: string | null,
) {
  const headers: Record<string, string> = {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `inline; filename="${name}.csv"`,
  };
  if (next !== undefined) {
    headers['X-Has-More'] = next === null ? 'false' : 'true';
    if (next !== null) headers.Link = `<${next}>; rel="next"`;
  }
  return c.body(toCsv(columns, rows), 200, headers);
}
