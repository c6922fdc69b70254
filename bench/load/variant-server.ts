/**
 * Serves one set of services through two apps, to measure what authentication and rate limiting cost:
 *
 * - `url`: `createApp(services)`, exactly what `npm start` serves (rate-limit store from the
 *   environment: in-process, or Redis when `REDIS_URL` is set);
 * - `bare_url`: the same common middleware (`useCommonMiddleware`, shared with `createApp`) and the
 *   same routes (`registerRoutes`), but no API-key authentication, scope check or rate limit: a fixed
 *   all-scopes principal is set on `/insights/*` instead.
 *
 * Both run in this one process on the same services, so the ratio between them is the cost of the
 * auth + rate-limit middleware alone. Uses the build in `dist/` when present (as the server does).
 * Run: `node --import tsx bench/load/variant-server.ts` with the server's environment variables.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../src/http/context.js';

const root = existsSync('dist/app.js') ? '../../dist/' : '../../src/';
const load = <T>(module: string): Promise<T> => import(`${root}${module}`) as Promise<T>;

const [
  { createApp, createBareApp, registerRoutes, useCommonMiddleware },
  { loadConfig },
  { createLogger },
  { buildServices },
  { SCOPES },
] = await Promise.all([
  load<typeof import('../../src/app.js')>('app.js'),
  load<typeof import('../../src/config.js')>('config.js'),
  load<typeof import('../../src/logger.js')>('logger.js'),
  load<typeof import('../../src/services.js')>('services.js'),
  load<typeof import('../../src/ports/key-store.js')>('ports/key-store.js'),
]);

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel);
const services = await buildServices(config, logger);

const fixedPrincipal: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('principal', {
    keyId: 'bench-no-auth',
    name: 'bench without auth',
    env: config.env,
    scopes: SCOPES,
    rateTier: 'premium',
    siteAllowlist: null,
  });
  c.get('event').key_id = 'bench-no-auth';
  await next();
};

const bare = createBareApp();
useCommonMiddleware(bare, services);
bare.use('/insights/*', fixedPrincipal);
registerRoutes(bare, services);

const full = createApp(services);

const listen = (fetch: Parameters<typeof serve>[0]['fetch']): Promise<string> =>
  new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });

const [url, bareUrl] = await Promise.all([listen(full.fetch), listen(bare.fetch)]);
logger.info(
  { url, bare_url: bareUrl, store: config.rateLimit.redisUrl ? 'redis' : 'memory' },
  'variant listening',
);

process.once('SIGTERM', () => {
  void services.close().then(() => process.exit(0));
});
