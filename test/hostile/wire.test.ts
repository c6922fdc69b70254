import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../src/domain/demo/seed.js';
import { API_SECURITY_HEADERS } from '../../src/http/middleware/security-headers.js';
import { DOCS_CONTENT_SECURITY_POLICY } from '../../src/routes/docs.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { HIGH_LIMITS, issueKey } from '../reliability/helpers.js';
import { openTestStores, type TestStores, testEnv } from '../support/services.js';
import { assertWellFormed, CaseLog, type RawExchange, rawExchange } from './support.js';

const END_DATE = '2025-06-15';

/**
 * Requests no Fetch client would send, written byte by byte to the real server. Some never reach the
 * app: Node's HTTP parser refuses them, and the server's `clientError` handler answers 400/431
 * problem+json with `Connection: close`; whatever the app answers must be well-formed problem+json too.
 */
describe('hostile input on the wire (real HTTP server, raw sockets)', () => {
  let stores: TestStores;
  let server: RunningServer;
  let port: number;
  let key: string;
  const log = new CaseLog('wire');

  beforeAll(async () => {
    stores = await openTestStores();
    await seedDemoData(stores.warehouse, { endDate: END_DATE });
    server = await startServer(testEnv({ PORT: '0', HOST: '127.0.0.1', RATE_LIMIT_OVERRIDES: HIGH_LIMITS }), {
      db: stores.db,
      warehouse: stores.warehouse,
    });
    port = Number(new URL(server.url).port);
    key = await issueKey(stores.db.pool, {
      name: 'wire',
      scopes: ['insights:read', 'rag:explain', 'admin'],
      rateTier: 'premium',
    });
  });
  afterAll(async () => {
    log.write();
    await server?.shutdown('test');
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  const request = (head: string, body: string | Buffer = '') =>
    rawExchange(port, [Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)])]);
  const bodyOf = (exchange: RawExchange) => exchange.text.slice(exchange.text.indexOf('\r\n\r\n') + 4);
  const headerOf = (exchange: RawExchange, name: string) =>
    exchange.text.match(new RegExp(`^${name}: (.*)$`, 'im'))?.[1]?.trim() ?? null;
  /** The app answered: check the full invariants (status, problem+json, no leak, no key). */
  const appAnswer = (group: string, exchange: RawExchange) => {
    log.record(group, {
      status: exchange.status,
      contentType: headerOf(exchange, 'content-type'),
      text: bodyOf(exchange),
    });
    const chunked = headerOf(exchange, 'transfer-encoding') === 'chunked';
    if (!chunked)
      assertWellFormed(
        { status: exchange.status, contentType: headerOf(exchange, 'content-type'), text: bodyOf(exchange) },
        [key],
      );
    expect(exchange.status).toBeGreaterThanOrEqual(200);
    expect(exchange.status).toBeLessThan(500);
  };
  /** The parser refused it: a bare 4xx and the connection closed, never a 5xx or a hang. */
  const parserRefusal = (group: string, exchange: RawExchange, statuses: number[]) => {
    log.record(group, {
      status: exchange.status,
      contentType: headerOf(exchange, 'content-type'),
      text: bodyOf(exchange),
    });
    expect(statuses).toContain(exchange.status);
    expect(exchange.closed).toBe(true);
    expect(headerOf(exchange, 'content-type')).toBe('application/problem+json');
    const problem = JSON.parse(bodyOf(exchange)) as { status: number; code: string; type: string };
    expect(problem.status).toBe(exchange.status);
    expect(problem.type).toBe(`/problems/${problem.code}`);
    expect(problem.code).toBe(exchange.status === 431 ? 'header_fields_too_large' : 'invalid_request');
  };

  it.each([
    ['SOH in X-Request-Id', 'X-Request-Id: abc\x01def'],
    ['NUL in X-API-Key', `X-API-Key: ${'da_dev_'}\x00abc`],
    ['DEL in Authorization', 'Authorization: Bearer abc\x7fdef'],
    ['ESC in Accept', 'Accept: application/json\x1b[31m'],
    ['bare CR inside a value', 'X-Request-Id: abc\rdef'],
    ['obs-fold continuation line', 'X-Request-Id: abc\r\n  def'],
    ['space in a header name', 'X-Bad Header: x'],
    ['colon-less header line', 'NoColonHere'],
  ])('refuses a header with %s (400, connection closed)', async (_, line) => {
    const exchange = await request(`GET /insights/daily HTTP/1.1\r\nHost: localhost\r\n${line}\r\n\r\n`);
    parserRefusal('control-characters', exchange, [400]);
  });

  it('answers Latin-1 bytes in header values through the app: problem+json or success, never 5xx', async () => {
    const cases = [
      `X-Request-Id: caf\xe9\r\nX-API-Key: ${key}`,
      'X-API-Key: da_dev_\xff\xfe\xfd',
      `Authorization: Bearer ${key}\xa0`,
      `X-API-Key: ${key}\r\nIf-None-Match: "\xe9t\xe9"`,
      `X-API-Key: ${key}\r\nAccept: text/\xff`,
    ];
    for (const headers of cases) {
      const exchange = await request(
        `GET /insights/daily?date=${END_DATE} HTTP/1.1\r\nHost: localhost\r\n${headers}\r\nConnection: close\r\n\r\n`,
      );
      appAnswer('latin1-headers', exchange);
    }
  });

  it('refuses oversized heads: a 20 KB header and a 100 KB URL (431), and keeps serving', async () => {
    const bigHeader = await request(
      `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    parserRefusal('oversized', bigHeader, [431]);
    const bigUrl = await request(
      `GET /insights/daily?site=${'A'.repeat(100_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
    );
    parserRefusal('oversized', bigUrl, [431, 414]);
    const manyHeaders = await request(
      `GET /health HTTP/1.1\r\nHost: localhost\r\n${Array.from({ length: 3_000 }, (_, index) => `X-H${index}: 1`).join('\r\n')}\r\n\r\n`,
    );
    parserRefusal('oversized', manyHeaders, [431]);
    const health = await request('GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    appAnswer('oversized', health);
    expect(health.status).toBe(200);
  });

  it('refuses ambiguous framing (request smuggling shapes) with 400', async () => {
    const body = JSON.stringify({ query: 'x' });
    const shapes = [
      `POST /rag/search HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n`,
      `POST /rag/search HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n`,
      `POST /rag/search HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked, identity\r\n\r\n`,
      `POST /rag/search HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n`,
      `POST /rag/search HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
    ];
    for (const head of shapes) parserRefusal('framing', await request(head, body), [400]);
  });

  it('refuses unknown methods and answers unrouted ones with problem+json', async () => {
    parserRefusal('methods', await request('FOO /health HTTP/1.1\r\nHost: localhost\r\n\r\n'), [400]);
    for (const method of ['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']) {
      const exchange = await request(
        `${method} /insights/daily HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ${key}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      appAnswer('methods', exchange);
      expect(exchange.status).toBeGreaterThanOrEqual(400);
    }
  });

  it('answers a 10 MB chunked body (no Content-Length) with 413 problem+json', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const parts: string[] = [];
    for (let sent = 0; sent < 10 * 1024 * 1024; sent += chunk.length)
      parts.push(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const exchange = await rawExchange(
      port,
      [
        `POST /rag/search HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
        'a\r\n{"query":"\r\n',
        ...parts,
        '0\r\n\r\n',
      ],
      { waitMs: 15_000 },
    );
    appAnswer('too-large', exchange);
    expect(exchange.status).toBe(413);
    expect(JSON.parse(bodyOf(exchange))).toMatchObject({ code: 'payload_too_large' });
  });

  it('sends security, request-id, rate-limit and cache headers from the Node response; a route may override one', async () => {
    const uuid = /^[0-9a-f-]{36}$/;
    const checkCommon = (response: Response) => {
      for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) {
        if (name !== 'Content-Security-Policy' || !response.url.endsWith('/docs'))
          expect(response.headers.get(name), `${response.url} ${name}`).toBe(value);
      }
      expect(response.headers.get('x-request-id')).toMatch(uuid);
    };
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toBe('application/json');
    checkCommon(health);
    const echoed = await fetch(`${server.url}/health`, { headers: { 'X-Request-Id': 'trace-42' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-42');

    const dailyUrl = `${server.url}/insights/daily?date=${END_DATE}`;
    const daily = await fetch(dailyUrl, { headers: { 'X-API-Key': key } });
    expect(daily.status).toBe(200);
    expect(daily.headers.get('content-type')).toBe('application/json');
    expect(daily.headers.get('ratelimit-policy')).toMatch(/^"insights";q=\d+;w=\d+$/);
    expect(daily.headers.get('ratelimit')).toMatch(/^"insights";r=\d+;t=\d+$/);
    expect(daily.headers.get('cache-control')).toBe('private, max-age=60');
    expect(daily.headers.get('vary')).toBe('Authorization, X-API-Key');
    checkCommon(daily);
    const etag = daily.headers.get('etag') as string;
    expect(etag).toMatch(/^".+"$/);
    const notModified = await fetch(dailyUrl, { headers: { 'X-API-Key': key, 'If-None-Match': etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(etag);
    checkCommon(notModified);

    const unauthorized = await fetch(`${server.url}/insights`);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('www-authenticate')).toMatch(/^Bearer/);
    checkCommon(unauthorized);

    const docs = await fetch(`${server.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toBe(DOCS_CONTENT_SECURITY_POLICY);
    checkCommon(docs);
  });

  it('still serves normal requests after all of the above', async () => {
    const response = await fetch(`${server.url}/insights/daily?date=${END_DATE}`, {
      headers: { 'X-API-Key': key },
    });
    expect(response.status).toBe(200);
  });
});
