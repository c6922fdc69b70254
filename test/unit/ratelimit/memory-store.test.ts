import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryRateLimitStore } from '../../../src/adapters/local/memory-rate-limit-store.js';
import { gcraDecide, msToUs } from '../../../src/domain/ratelimit/gcra.js';
import { RateLimitStoreError } from '../../../src/ports/rate-limit.js';

const NOW_MS = 1_750_000_000_000;

describe('MemoryRateLimitStore', () => {
  it('decides exactly like the pure GCRA function for any sequence of keys and times', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 3000 })), {
          maxLength: 80,
        }),
        async (limit, periodSeconds, steps) => {
          const policy = { limit, periodSeconds, burst: limit };
          const store = new MemoryRateLimitStore();
          const reference = new Map<string, number>();
          let nowMs = NOW_MS;
          for (const [key, gapMs] of steps) {
            nowMs += gapMs;
            const expected = gcraDecide(reference.get(key), msToUs(nowMs), policy);
            if (expected.decision.allowed) reference.set(key, expected.tatUs);
            expect(await store.decide(key, policy, nowMs)).toEqual(expected.decision);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps buckets separate per key', async () => {
    const store = new MemoryRateLimitStore();
    const policy = { limit: 2, periodSeconds: 60, burst: 2 };
    for (let index = 0; index < 2; index++)
      expect((await store.decide('a', policy, NOW_MS)).allowed).toBe(true);
    expect((await store.decide('a', policy, NOW_MS)).allowed).toBe(false);
    expect((await store.decide('b', policy, NOW_MS)).allowed).toBe(true);
  });

  it('stays bounded, dropping full (expired) buckets before live ones', async () => {
    const store = new MemoryRateLimitStore({ maxEntries: 100 });
    const policy = { limit: 1, periodSeconds: 1, burst: 1 };
    for (let index = 0; index < 100; index++) await store.decide(`old-${index}`, policy, NOW_MS);
    expect(store.size).toBe(100);
    await store.decide('live', policy, NOW_MS + 10_000);
    expect(store.size).toBe(1);
    for (let index = 0; index < 1000; index++) await store.decide(`new-${index}`, policy, NOW_MS + 10_000);
    expect(store.size).toBeLessThanOrEqual(100);
    expect((await store.decide('new-999', policy, NOW_MS + 10_000)).allowed).toBe(false);
  });

  it('does not store denied decisions, and fails as unavailable once closed', async () => {
    const store = new MemoryRateLimitStore();
    const policy = { limit: 1, periodSeconds: 60, burst: 1 };
    await store.decide('k', policy, NOW_MS);
    expect((await store.decide('k', policy, NOW_MS + 59_999)).allowed).toBe(false);
    expect((await store.decide('k', policy, NOW_MS + 60_000)).allowed).toBe(true);
    await store.ping();
    await store.close();
    await expect(store.decide('k', policy, NOW_MS)).rejects.toBeInstanceOf(RateLimitStoreError);
    await expect(store.ping()).rejects.toMatchObject({ failure: 'unavailable' });
  });

  it('rejects an invalid policy', async () => {
    const store = new MemoryRateLimitStore();
    await expect(store.decide('k', { limit: 10, periodSeconds: 60, burst: 20 }, NOW_MS)).rejects.toThrow(
      RangeError,
    );
  });
});
