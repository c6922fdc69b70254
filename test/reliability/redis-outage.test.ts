import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedisRateLimitStore,
  type RedisRateLimitStore,
} from '../../src/adapters/redis/redis-rate-limit-store.js';
import { seedDemoData } from '../../src/domain/demo/seed.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { openTestStores, type TestStores, testEnv } from '../support/services.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis.js';
import { eventually, HIGH_LIMITS, issueKey, type Timed, timedFetch } from './helpers.js';

const END_DATE = '2025-06-15';
/**
 * The store's deadline. Production uses 50 ms; here the server, the load and the Redis client share one
 * busy test worker, where a healthy round trip can take longer than 50 ms now and then (and would then
 * count as an outage), so the deadline is 200 ms. A hung Redis still has to be cut off by it.
 */
const RATE_LIMIT_TIMEOUT_MS = 200;
/** Upper bound for any request while Redis is dead or hung: the store timeout plus a generous margin. */
const MAX_REQUEST_MS = RATE_LIMIT_TIMEOUT_MS + 1_300;
const WORKERS = 6;

/** Strict phases are asserted in full; the transitions between them only for status < 500 and latency. */
type Phase = 'before' | 'killing' | 'killed' | 'restarting' | 'restarted' | 'paused' | 'resuming' | 'resumed';
interface Sample extends Timed {
  phase: Phase;
  /** The phase changed while the request was in flight. */
  straddled: boolean;
  route: 'insights' | 'rag';
}

describe('Redis rate-limit store fails mid-load (real HTTP server, throwaway redis-server)', () => {
  let stores: TestStores;
  let redis: ThrowawayRedis;
  let store: RedisRateLimitStore;
  let server: RunningServer;
  let key: string;

  beforeAll(async () => {
    stores = await openTestStores();
    await seedDemoData(stores.warehouse, { endDate: END_DATE });
    redis = await startThrowawayRedis();
    store = createRedisRateLimitStore({
      url: redis.url,
      keyPrefix: `reliability:${randomUUID()}:`,
      timeoutMs: RATE_LIMIT_TIMEOUT_MS,
      maxReconnectDelayMs: 200,
    });
    await store.waitUntilReady(5_000);
    server = await startServer(
      testEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        RATE_LIMIT_TIMEOUT_MS: String(RATE_LIMIT_TIMEOUT_MS),
        RATE_LIMIT_OVERRIDES: HIGH_LIMITS,
      }),
      { db: stores.db, warehouse: stores.warehouse, rateLimitStore: store },
    );
    key = await issueKey(stores.db.pool, {
      name: 'load',
      scopes: ['insights:read', 'rag:explain'],
      rateTier: 'premium',
    });
  });
  afterAll(async () => {
    await server?.shutdown('test');
    await store?.close();
    redis?.resume();
    await redis?.kill();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  it('fails open for insights and closed for rag within the timeout, then recovers on the same port', async () => {
    let phase: Phase = 'before';
    let running = true;
    const samples: Sample[] = [];
    const headers = { 'X-API-Key': key };
    const worker = async (index: number) => {
      for (let turn = 0; running; turn += 1) {
        const route = (index + turn) % 2 === 0 ? 'insights' : 'rag';
        const startedIn = phase;
        const timed =
          route === 'insights'
            ? await timedFetch(`${server.url}/insights/daily?date=${END_DATE}&site=SITE-B`, { headers })
            : await timedFetch(`${server.url}/rag/search`, {
                method: 'POST',
                headers: { ...headers, 'content-type': 'application/json' },
                body: JSON.stringify({ query: 'compressor trip at Site B', top_k: 3 }),
              });
        samples.push({ ...timed, phase: startedIn, straddled: startedIn !== phase, route });
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, index) => worker(index));
    const inPhase = (wanted: Phase) =>
      samples.filter((sample) => sample.phase === wanted && !sample.straddled);
    const ragUp = () =>
      timedFetch(`${server.url}/rag/search`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'probe' }),
      }).then((probe) => (probe.status === 200 ? probe : undefined));

    /** Stays in the current phase until it has `count` clean samples of each route (bounded in time). */
    const collect = (wanted: Phase, count: number) =>
      eventually(async () => {
        const clean = inPhase(wanted);
        const enough = (['insights', 'rag'] as const).every(
          (route) => clean.filter((sample) => sample.route === route).length >= count,
        );
        return enough ? true : undefined;
      }, 15_000);

    let readinessDuringOutage: Timed | undefined;
    try {
      await collect('before', 15);
      phase = 'killing';
      await redis.kill();
      phase = 'killed';
      await collect('killed', 15);
      readinessDuringOutage = await timedFetch(`${server.url}/health/ready`);
      phase = 'restarting';
      redis = await startThrowawayRedis(redis.port);
      await eventually(ragUp, 10_000);
      phase = 'restarted';
      await collect('restarted', 10);
      phase = 'paused';
      redis.pause();
      await collect('paused', 10);
      phase = 'resuming';
      redis.resume();
      await eventually(ragUp, 10_000);
      phase = 'resumed';
      await collect('resumed', 10);
    } finally {
      running = false;
      redis.resume();
      await Promise.all(workers);
    }

    expect(samples.length).toBeGreaterThan(100);
    expect(samples.filter((sample) => sample.status >= 500)).toEqual([]);
    const slowest = samples.reduce((max, sample) => Math.max(max, sample.ms), 0);
    expect(slowest, 'slowest request (ms)').toBeLessThan(MAX_REQUEST_MS);

    for (const healthy of ['before', 'restarted', 'resumed'] as const) {
      const ok = inPhase(healthy);
      expect(ok.length, healthy).toBeGreaterThan(5);
      expect(ok.every((sample) => sample.status === 200)).toBe(true);
      expect(ok.every((sample) => sample.headers.get('ratelimit') !== null)).toBe(true);
    }

    for (const outage of ['killed', 'paused'] as const) {
      const insights = inPhase(outage).filter((sample) => sample.route === 'insights');
      const rag = inPhase(outage).filter((sample) => sample.route === 'rag');
      expect(insights.length, `${outage} insights`).toBeGreaterThan(5);
      expect(rag.length, `${outage} rag`).toBeGreaterThan(5);
      expect(new Set(insights.map((sample) => sample.status))).toEqual(new Set([200]));
      expect(insights.every((sample) => sample.headers.get('ratelimit') === null)).toBe(true);
      expect(new Set(rag.map((sample) => sample.status))).toEqual(new Set([429]));
      for (const denied of rag) {
        expect(denied.headers.get('content-type')).toBe('application/problem+json');
        expect(Number(denied.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(JSON.parse(denied.text)).toMatchObject({ code: 'quota_exceeded', status: 429 });
      }
    }

    expect(readinessDuringOutage?.status).toBe(200);
    const report = JSON.parse(readinessDuringOutage?.text ?? '{}') as {
      status: string;
      dependencies: Array<{ name: string; status: string }>;
    };
    expect(report.status).toBe('degraded');
    expect(report.dependencies.find((dependency) => dependency.name === 'rate_limit_store')?.status).toBe(
      'down',
    );
    expect((await timedFetch(`${server.url}/health/ready`)).status).toBe(200);
  });
});
