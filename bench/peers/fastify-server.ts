/**
 * Bench peer: what a user would build on Fastify 5 instead of this API, with the same behaviour on
 * `GET /health` and `GET /insights/daily` (answered from an in-memory cache with the API's body bytes)
 * and the same per-request work: API key from `X-API-Key` / `Authorization: Bearer` checked by
 * HMAC-SHA256 against an in-memory map, the querystring validated by Fastify's JSON-schema validation,
 * a per-key rate limit (`@fastify/rate-limit`, in memory), a request id (`X-Request-Id`, kept when sane),
 * one JSON access-log line per request through Fastify's pino logger to a file (successful health
 * probes excepted, as in the API), and the API's security headers through `@fastify/helmet`.
 * Run: `node --import tsx bench/peers/fastify-server.ts` with PEER_FIXTURE, PEER_ACCESS_LOG (and PORT).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { dailyCacheKey, type PeerFixture } from './fixture.js';

const fixture = JSON.parse(readFileSync(process.env.PEER_FIXTURE as string, 'utf8')) as PeerFixture;
const pepper = Buffer.from(fixture.pepper, 'hex');
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const startedAt = Date.now();

declare module 'fastify' {
  interface FastifyRequest {
    keyId?: string;
    cacheHit?: boolean;
  }
}

const app = Fastify({
  logger: { level: 'info', file: process.env.PEER_ACCESS_LOG as string },
  disableRequestLogging: true,
  genReqId: (request) => {
    const incoming = request.headers['x-request-id'];
    return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  },
});

await app.register(helmet, {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: (helmet as unknown as { contentSecurityPolicy: { dangerouslyDisableDefaultSrc: symbol } })
        .contentSecurityPolicy.dangerouslyDisableDefaultSrc as unknown as string[],
      frameAncestors: ["'none'"],
    },
  },
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: { policy: 'same-origin' },
  originAgentCluster: false,
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: true },
  xContentTypeOptions: true,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: { action: 'deny' },
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
});
await app.register(rateLimit, {
  global: false,
  hook: 'preHandler',
  keyGenerator: (request) => request.keyId ?? request.ip,
});

app.addHook('onRequest', async (request, reply) => {
  reply.header('X-Request-Id', request.id);
});
app.addHook('onResponse', async (request, reply) => {
  const route = request.routeOptions.url ?? 'unmatched';
  if ((route === '/health' || route === '/health/ready') && reply.statusCode < 400) return;
  const level = reply.statusCode >= 500 ? 'error' : reply.statusCode >= 400 ? 'warn' : 'info';
  request.log[level]({
    msg: 'request',
    request_id: request.id,
    method: request.method,
    route,
    path: request.url.split('?')[0],
    status: reply.statusCode,
    duration_ms: Math.round(reply.elapsedTime * 100) / 100,
    env: fixture.env,
    ...(request.keyId ? { key_id: request.keyId } : {}),
    ...(request.cacheHit !== undefined ? { cache_hit: request.cacheHit } : {}),
  });
});

const problem = (reply: FastifyReply, status: number, code: string, detail: string) =>
  reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: code, status, code, detail });

async function authenticate(request: FastifyRequest, reply: FastifyReply) {
  const header = request.headers['x-api-key'];
  const bearer = request.headers.authorization;
  const presented =
    typeof header === 'string' ? header : bearer?.startsWith('Bearer ') ? bearer.slice(7) : undefined;
  if (!presented) return problem(reply, 401, 'missing_api_key', 'Send an API key.');
  const keyId = fixture.keys[createHmac('sha256', pepper).update(presented).digest('hex')];
  if (!keyId) return problem(reply, 401, 'invalid_api_key', 'The API key is not valid.');
  request.keyId = keyId;
}

const isoDate = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const memberList = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}(,[A-Za-z0-9_-]{1,64}){0,49}$' } as const;

interface DailyQuery {
  date?: string;
  from?: string;
  to?: string;
  site?: string;
  asset?: string;
  product?: string;
  limit: number;
  cursor?: string;
  format: 'json' | 'csv';
}

app.get('/health', async (_request, reply) =>
  reply.send({
    status: 'ok',
    env: fixture.env,
    version: fixture.version,
    uptime_s: Math.round((Date.now() - startedAt) / 1000),
  }),
);

app.get<{ Querystring: DailyQuery }>(
  '/insights/daily',
  {
    onRequest: authenticate,
    config: {
      rateLimit: { max: fixture.rateLimit.limit, timeWindow: fixture.rateLimit.periodSeconds * 1000 },
    },
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          date: isoDate,
          from: isoDate,
          to: isoDate,
          site: memberList,
          asset: memberList,
          product: memberList,
          limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 },
          cursor: { type: 'string', maxLength: 512 },
          format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
        },
      },
    },
  },
  async (request, reply) => {
    const { date = '', site = '', limit, format } = request.query;
    const cached = fixture.daily[dailyCacheKey(date, site, limit, format)];
    request.cacheHit = cached !== undefined;
    if (!cached) return problem(reply, 404, 'not_cached', 'The peer serves only the cached answers.');
    reply.header('ETag', cached.etag);
    reply.header('Cache-Control', 'private, max-age=60');
    reply.header('Vary', 'Authorization, X-API-Key');
    if (request.headers['if-none-match'] === cached.etag) return reply.code(304).send();
    return reply.type('application/json').send(cached.body);
  },
);

const url = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write(`${JSON.stringify({ msg: 'peer listening', url })}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
