import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server.js';
import { issueKey } from '../reliability/helpers.js';
import { openTestStores, type TestStores, testEnv } from '../support/services.js';
import { rawExchange } from './support.js';

/**
 * Slow senders (slowloris) hold a socket and the server's memory for as long as the server lets them.
 * Node's defaults are 60 s to receive the headers and 300 s for the whole request, checked every 30 s;
 * the server must bound both, configurably: `HTTP_HEADERS_TIMEOUT_MS` and `HTTP_REQUEST_TIMEOUT_MS`
 * (passed to `serve({ serverOptions: { headersTimeout, requestTimeout, connectionsCheckingInterval } })`).
 */
const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
/** Node checks the timeouts periodically; allow for that and a loaded machine. */
const MARGIN_MS = 3_000;

describe('slow clients against the real HTTP server', () => {
  let stores: TestStores;
  let server: RunningServer;
  let port: number;
  let key: string;

  beforeAll(async () => {
    stores = await openTestStores();
    server = await startServer(
      testEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      }),
      { db: stores.db, warehouse: stores.warehouse },
    );
    port = Number(new URL(server.url).port);
    key = await issueKey(stores.db.pool, { name: 'slow', scopes: ['rag:explain'] });
  });
  afterAll(async () => {
    await server?.shutdown('test');
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  it('closes a connection whose headers trickle in, with 408, within the headers timeout', async () => {
    const trickle = ['GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ', ...Array(60).fill('a')];
    const exchange = await rawExchange(port, trickle, {
      everyMs: 150,
      waitMs: HEADERS_TIMEOUT_MS + MARGIN_MS + 2_000,
    });
    expect(exchange.closed, 'the server closed the connection').toBe(true);
    expect(exchange.ms).toBeLessThan(HEADERS_TIMEOUT_MS + MARGIN_MS);
    expect(exchange.status).toBe(408);
    expect(exchange.text).toMatch(/^Content-Type: application\/problem\+json\r$/im);
    expect(exchange.text).toContain('"code":"request_timeout"');
  });

  it('closes a connection that opens and sends nothing, within the headers timeout', async () => {
    const exchange = await rawExchange(port, [], { waitMs: HEADERS_TIMEOUT_MS + MARGIN_MS + 2_000 });
    expect(exchange.closed).toBe(true);
    expect(exchange.ms).toBeLessThan(HEADERS_TIMEOUT_MS + MARGIN_MS);
  });

  it('closes a connection whose body trickles in, with 408, within the request timeout', async () => {
    const head = `POST /rag/search HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n`;
    const exchange = await rawExchange(port, [head, ...Array(80).fill('a')], {
      everyMs: 100,
      waitMs: REQUEST_TIMEOUT_MS + MARGIN_MS + 2_000,
    });
    expect(exchange.closed).toBe(true);
    expect(exchange.ms).toBeLessThan(REQUEST_TIMEOUT_MS + MARGIN_MS);
    expect(exchange.status).toBe(408);
    expect(exchange.text).toContain('"code":"request_timeout"');
  });

  it('keeps answering other clients while 40 slow senders hold connections', async () => {
    const slow = Array.from({ length: 40 }, () =>
      rawExchange(port, ['GET /health HTTP/1.1\r\nHost: localhost\r\n', ...Array(20).fill('X-A: b\r\n')], {
        everyMs: 200,
        waitMs: 4_500,
      }),
    );
    const started = performance.now();
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2_000);
    await Promise.all(slow);
  });
});
