import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryRateLimitStore } from '../../../src/adapters/local/memory-rate-limit-store.js';
import { GCRA_LUA_SHA1 } from '../../../src/adapters/redis/gcra-script.js';
import {
  createRedisRateLimitStore,
  type RedisRateLimitStore,
} from '../../../src/adapters/redis/redis-rate-limit-store.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const keyPrefix = `test:datalive:rl:${randomUUID()}:`;

let first: RedisRateLimitStore;
let second: RedisRateLimitStore;
let admin: Redis;

beforeAll(async () => {
  first = createRedisRateLimitStore({ url: REDIS_URL, keyPrefix, timeoutMs: 1000 });
  second = createRedisRateLimitStore({ url: REDIS_URL, keyPrefix, timeoutMs: 1000 });
  admin = new Redis(REDIS_URL);
  await Promise.all([first.waitUntilReady(5000), second.waitUntilReady(5000)]);
});

afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await Promise.all([first.close(), second.close()]);
  admin.disconnect();
});

describe('RedisRateLimitStore (shared Redis at 127.0.0.1:6379)', () => {
  it('lets two app instances share one budget: 200 concurrent decisions, exactly 50 admitted', async () => {
    const policy = { limit: 50, periodSeconds: 60, burst: 50 };
    const decisions = await Promise.all(
      Array.from({ length: 200 }, (_, index) => (index % 2 ? first : second).decide('shared', policy)),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(50);
    expect(
      decisions
        .filter((decision) => decision.allowed)
        .map((decision) => decision.remaining)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 50 }, (_, index) => index));
    expect(
      decisions.filter((decision) => !decision.allowed).every((decision) => decision.retryAfterSeconds === 2),
    ).toBe(true);
    expect(Number(await admin.script('EXISTS', GCRA_LUA_SHA1).then((reply) => (reply as number[])[0]))).toBe(
      1,
    );
  });

  it('sets the key TTL to the time until the bucket is full', async () => {
    const policy = { limit: 10, periodSeconds: 10, burst: 10 };
    for (let index = 0; index < 4; index++) await first.decide('ttl', policy);
    const ttlMs = await admin.pttl(`${keyPrefix}ttl`);
    expect(ttlMs).toBeGreaterThan(3000);
    expect(ttlMs).toBeLessThanOrEqual(4000);
    const stored = Number(await admin.get(`${keyPrefix}ttl`));
    expect(Number.isSafeInteger(stored)).toBe(true);
    expect(String(stored)).toMatch(/^\d{16}$/);
  });

  it('uses the Redis server clock, so a skewed app clock cannot reset a budget', async () => {
    const policy = { limit: 3, periodSeconds: 3600, burst: 3 };
    for (let index = 0; index < 3; index++) expect((await first.decide('skew', policy)).allowed).toBe(true);
    const skewed = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 7200_000);
    try {
      const decision = await second.decide('skew', policy);
      expect(decision.allowed).toBe(false);
      expect(decision.retryAfterSeconds).toBeGreaterThan(1100);
    } finally {
      skewed.mockRestore();
    }
  });

  it('decides exactly like the in-process store when given the same clock', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.tuple(fc.constantFrom('x', 'y'), fc.integer({ min: 0, max: 2500 })), { maxLength: 40 }),
        async (limit, periodSeconds, steps) => {
          run += 1;
          const policy = { limit, periodSeconds, burst: Math.max(1, Math.ceil(limit / 2)) };
          const memory = new MemoryRateLimitStore();
          let nowMs = Date.now();
          for (const [bucket, gapMs] of steps) {
            nowMs += gapMs;
            const key = `equivalence:${run}:${bucket}`;
            const viaRedis = await (gapMs % 2 ? first : second).decide(key, policy, nowMs);
            expect(viaRedis).toEqual(await memory.decide(key, policy, nowMs));
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('answers ping', async () => {
    await expect(first.ping()).resolves.toBeUndefined();
  });
});
