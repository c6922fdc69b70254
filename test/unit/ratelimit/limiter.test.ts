import { describe, expect, it, vi } from 'vitest';
import { MemoryRateLimitStore } from '../../../src/adapters/local/memory-rate-limit-store.js';
import {
  createRateLimiter,
  DEFAULT_FAIL_MODES,
  type StoreErrorContext,
  type StoreRecovery,
} from '../../../src/domain/ratelimit/limiter.js';
import {
  type RateDecision,
  type RateLimitStore,
  RateLimitStoreError,
} from '../../../src/ports/rate-limit.js';
import type { RateClass } from '../../../src/profiles.js';

const policy = { limit: 3, periodSeconds: 60, burst: 3 };

/** A store whose behaviour the test switches between working, failing and hanging. */
class SwitchableStore implements RateLimitStore {
  mode: 'ok' | 'fail' | 'hang' | 'throw-plain' = 'ok';
  readonly keys: string[] = [];
  private readonly inner = new MemoryRateLimitStore();

  decide(key: string, ratePolicy: typeof policy): Promise<RateDecision> {
    this.keys.push(key);
    if (this.mode === 'fail') return Promise.reject(new RateLimitStoreError('unavailable', 'down'));
    if (this.mode === 'throw-plain') return Promise.reject(new Error('ECONNRESET'));
    if (this.mode === 'hang') return new Promise(() => {});
    return this.inner.decide(key, ratePolicy);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function setup(failMode = DEFAULT_FAIL_MODES) {
  const store = new SwitchableStore();
  const errors: { error: RateLimitStoreError; rateClass: RateClass; context: StoreErrorContext }[] = [];
  const recoveries: StoreRecovery[] = [];
  const limiter = createRateLimiter({
    store,
    timeoutMs: 30,
    failMode,
    onStoreError: (error, rateClass, context) => errors.push({ error, rateClass, context }),
    onStoreRecovered: (recovery) => recoveries.push(recovery),
  });
  return { store, limiter, errors, recoveries };
}

describe('createRateLimiter', () => {
  it('passes real decisions through, with one bucket per key and route class', async () => {
    const { store, limiter } = setup();
    const results = [];
    for (let index = 0; index < 4; index++) results.push(await limiter.check('key-1', 'insights', policy));
    expect(results.map((result) => result.decision.allowed)).toEqual([true, true, true, false]);
    expect(results.every((result) => !result.degraded)).toBe(true);
    expect((await limiter.check('key-1', 'rag', policy)).decision.allowed).toBe(true);
    expect(store.keys).toContain('insights:key-1');
    expect(store.keys).toContain('rag:key-1');
  });

  it('fails open for insights and admin, closed for rag, by default', async () => {
    const { store, limiter } = setup();
    store.mode = 'fail';
    expect(await limiter.check('k', 'insights', policy)).toEqual({
      decision: { allowed: true, limit: 3, remaining: 2, resetSeconds: 20, retryAfterSeconds: 0 },
      degraded: true,
    });
    expect((await limiter.check('k', 'admin', policy)).decision.allowed).toBe(true);
    expect(await limiter.check('k', 'rag', policy)).toEqual({
      decision: { allowed: false, limit: 3, remaining: 0, resetSeconds: 1, retryAfterSeconds: 1 },
      degraded: true,
    });
  });

  it('honours a custom fail mode per class', async () => {
    const { store, limiter } = setup({ insights: 'closed', rag: 'open', admin: 'closed' });
    store.mode = 'fail';
    expect((await limiter.check('k', 'insights', policy)).decision.allowed).toBe(false);
    expect((await limiter.check('k', 'rag', policy)).decision.allowed).toBe(true);
  });

  it('times out a hanging store within its budget', async () => {
    const { store, limiter, errors } = setup();
    store.mode = 'hang';
    const started = performance.now();
    const result = await limiter.check('k', 'rag', policy);
    expect(performance.now() - started).toBeLessThan(250);
    expect(result).toMatchObject({ degraded: true, decision: { allowed: false, retryAfterSeconds: 1 } });
    expect(errors[0]?.error.failure).toBe('timeout');
  });

  it('wraps foreign errors as unavailable', async () => {
    const { store, limiter, errors } = setup();
    store.mode = 'throw-plain';
    await limiter.check('k', 'insights', policy);
    expect(errors[0]?.error).toBeInstanceOf(RateLimitStoreError);
    expect(errors[0]?.error.failure).toBe('unavailable');
    expect((errors[0]!.error.cause as Error).message).toBe('ECONNRESET');
  });

  it('reports every failure but flags only the first of an incident, and reports recovery once', async () => {
    const { store, limiter, errors, recoveries } = setup();
    store.mode = 'fail';
    for (let index = 0; index < 5; index++) await limiter.check('k', index % 2 ? 'rag' : 'insights', policy);
    expect(errors).toHaveLength(5);
    expect(errors.map((entry) => entry.context.incidentStarted)).toEqual([true, false, false, false, false]);
    expect(errors.map((entry) => entry.context.failuresInIncident)).toEqual([1, 2, 3, 4, 5]);
    expect(errors.map((entry) => entry.rateClass)).toEqual([
      'insights',
      'rag',
      'insights',
      'rag',
      'insights',
    ]);

    store.mode = 'ok';
    await limiter.check('k', 'insights', policy);
    await limiter.check('k', 'insights', policy);
    expect(recoveries).toHaveLength(1);
    expect(recoveries[0]?.failures).toBe(5);
    expect(recoveries[0]?.durationMs).toBeGreaterThanOrEqual(0);

    store.mode = 'fail';
    await limiter.check('k', 'insights', policy);
    expect(errors[5]?.context).toEqual({ incidentStarted: true, failuresInIncident: 1 });
  });

  it('survives callbacks that throw', async () => {
    const store = new SwitchableStore();
    const limiter = createRateLimiter({
      store,
      failMode: DEFAULT_FAIL_MODES,
      onStoreError: vi.fn(() => {
        throw new Error('metrics exploded');
      }),
    });
    store.mode = 'fail';
    await expect(limiter.check('k', 'insights', policy)).resolves.toMatchObject({ degraded: true });
  });

  it('rejects an invalid policy instead of degrading', async () => {
    const { limiter, errors } = setup();
    await expect(limiter.check('k', 'insights', { limit: 1, periodSeconds: 60, burst: 2 })).rejects.toThrow(
      RangeError,
    );
    expect(errors).toHaveLength(0);
  });
});
