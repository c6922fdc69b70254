import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { GCRA_LUA_SHA1 } from '../../../src/adapters/redis/gcra-script.js';
import {
  createRedisRateLimitStore,
  type RedisRateLimitStore,
} from '../../../src/adapters/redis/redis-rate-limit-store.js';
import {
  createRateLimiter,
  DEFAULT_FAIL_MODES,
  type RateLimitCheck,
  type StoreErrorContext,
  type StoreRecovery,
} from '../../../src/domain/ratelimit/limiter.js';
import { RateLimitStoreError } from '../../../src/ports/rate-limit.js';
import type { RateClass } from '../../../src/profiles.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../../support/throwaway-redis.js';

const TIMEOUT_MS = 50;
/** Upper bound for any single call while Redis is dead or hung: the timeout plus a generous margin. */
const MAX_CALL_MS = 250;
const policy = { limit: 100, periodSeconds: 60, burst: 100 };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function timed<T>(operation: () => Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const started = performance.now();
  const value = await operation();
  return { value, elapsedMs: performance.now() - started };
}

async function eventually<T>(probe: () => Promise<T | undefined>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function setup(): Promise<{ server: ThrowawayRedis; store: RedisRateLimitStore }> {
  const server = await startThrowawayRedis();
  cleanups.push(() => server.kill());
  const store = createRedisRateLimitStore({
    url: server.url,
    keyPrefix: 'outage:',
    timeoutMs: TIMEOUT_MS,
    maxReconnectDelayMs: 200,
  });
  cleanups.push(() => store.close());
  await store.waitUntilReady(5000);
  return { server, store };
}

describe('RedisRateLimitStore and limiter when Redis fails (throwaway redis-server)', () => {
  it('fails fast when Redis dies, fails open for insights and closed for rag, and recovers on restart', async () => {
    const { server, store } = await setup();
    const errors: { error: RateLimitStoreError; rateClass: RateClass; context: StoreErrorContext }[] = [];
    const recoveries: StoreRecovery[] = [];
    const limiter = createRateLimiter({
      store,
      timeoutMs: TIMEOUT_MS,
      failMode: DEFAULT_FAIL_MODES,
      onStoreError: (error, rateClass, context) => errors.push({ error, rateClass, context }),
      onStoreRecovered: (recovery) => recoveries.push(recovery),
    });

    expect(await limiter.check('key', 'insights', policy)).toMatchObject({
      degraded: false,
      decision: { remaining: 99 },
    });

    const inFlight = Array.from({ length: 100 }, (_, index) =>
      timed(() => limiter.check(`in-flight-${index}`, 'insights', policy)),
    );
    await server.kill();
    const inFlightOutcomes = await Promise.all(inFlight);
    expect(Math.max(...inFlightOutcomes.map((outcome) => outcome.elapsedMs))).toBeLessThan(MAX_CALL_MS);
    expect(inFlightOutcomes.every((outcome) => outcome.value.decision.allowed)).toBe(true);
    const inFlightErrors = errors.length;

    const outcomes: { rateClass: RateClass; check: RateLimitCheck; elapsedMs: number }[] = [];
    for (let index = 0; index < 20; index++) {
      const rateClass: RateClass = index % 2 ? 'rag' : 'insights';
      const { value, elapsedMs } = await timed(() => limiter.check('key', rateClass, policy));
      outcomes.push({ rateClass, check: value, elapsedMs });
    }
    const directFailure = await timed(() =>
      store.decide('direct', policy).then(
        () => undefined,
        (error) => error,
      ),
    );

    expect(Math.max(...outcomes.map((outcome) => outcome.elapsedMs))).toBeLessThan(MAX_CALL_MS);
    expect(directFailure.elapsedMs).toBeLessThan(MAX_CALL_MS);
    expect(directFailure.value).toBeInstanceOf(RateLimitStoreError);
    expect(outcomes.every((outcome) => outcome.check.degraded)).toBe(true);
    for (const { rateClass, check } of outcomes) {
      expect(check.decision.allowed).toBe(rateClass === 'insights');
      if (rateClass === 'rag') expect(check.decision.retryAfterSeconds).toBe(1);
    }
    expect(errors).toHaveLength(inFlightErrors + 20);
    expect(errors.filter((entry) => entry.context.incidentStarted)).toHaveLength(1);
    expect(errors[0]?.context.incidentStarted).toBe(true);
    expect(errors.at(-1)?.context.failuresInIncident).toBe(inFlightErrors + 20);
    expect(errors.every((entry) => entry.error instanceof RateLimitStoreError)).toBe(true);
    expect(errors.every((entry) => entry.error.failure === 'unavailable')).toBe(true);

    const restarted = await startThrowawayRedis(server.port);
    cleanups.push(() => restarted.kill());
    const recovered = await eventually(async () => {
      const check = await limiter.check('key', 'rag', policy);
      return check.degraded ? undefined : check;
    }, 5000);
    expect(recovered.decision).toMatchObject({ allowed: true, remaining: 99 });
    expect(recoveries).toHaveLength(1);
    expect(recoveries[0]?.failures).toBeGreaterThanOrEqual(20);
  });

  it('times out within the budget when Redis hangs, then answers again once it resumes', async () => {
    const { server, store } = await setup();
    expect((await store.decide('hang', policy)).allowed).toBe(true);

    server.pause();
    try {
      for (let index = 0; index < 5; index++) {
        const { value, elapsedMs } = await timed(() =>
          store.decide('hang', policy).then(
            () => undefined,
            (error) => error,
          ),
        );
        expect(elapsedMs).toBeLessThan(MAX_CALL_MS);
        expect(value).toBeInstanceOf(RateLimitStoreError);
        expect((value as RateLimitStoreError).failure).toBe('timeout');
      }
      const ping = await timed(() =>
        store.ping().then(
          () => undefined,
          (error) => error,
        ),
      );
      expect(ping.elapsedMs).toBeLessThan(MAX_CALL_MS);
      expect((ping.value as RateLimitStoreError).failure).toBe('timeout');
    } finally {
      server.resume();
    }

    const decision = await eventually(async () => store.decide('hang', policy).catch(() => undefined), 5000);
    expect(decision.allowed).toBe(true);
  });

  it('falls back to EVAL when the script cache is empty, even for many concurrent first calls', async () => {
    const { server, store } = await setup();
    const admin = new Redis(server.url);
    cleanups.push(async () => admin.disconnect());
    const instances = [1, 2].map(() =>
      createRedisRateLimitStore({ url: server.url, keyPrefix: 'outage:', timeoutMs: 1000 }),
    );
    for (const instance of instances) cleanups.push(() => instance.close());
    await Promise.all(instances.map((instance) => instance.waitUntilReady(5000)));
    expect(await admin.script('EXISTS', GCRA_LUA_SHA1)).toEqual([0]);

    const small = { limit: 50, periodSeconds: 60, burst: 50 };
    const decisions = await Promise.all(
      Array.from({ length: 200 }, (_, index) => instances[index % 2]!.decide('cold', small)),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(50);

    await admin.script('FLUSH');
    expect(await store.decide('after-flush', policy)).toMatchObject({ allowed: true, remaining: 99 });
  });

  it('reports unavailable (quickly) when Redis was never reachable', async () => {
    const server = await startThrowawayRedis();
    await server.kill();
    const store = createRedisRateLimitStore({
      url: server.url,
      timeoutMs: TIMEOUT_MS,
      maxReconnectDelayMs: 200,
    });
    cleanups.push(() => store.close());
    const { value, elapsedMs } = await timed(() =>
      store.ping().then(
        () => undefined,
        (error) => error,
      ),
    );
    expect(elapsedMs).toBeLessThan(MAX_CALL_MS);
    expect((value as RateLimitStoreError).failure).toBe('unavailable');
    await expect(store.waitUntilReady(100)).rejects.toMatchObject({ failure: 'unavailable' });
  });
});
