import { gcraDecide, msToUs } from '../../domain/ratelimit/gcra.js';
import { type RateDecision, type RateLimitStore, RateLimitStoreError } from '../../ports/rate-limit.js';
import type { RatePolicy } from '../../profiles.js';

/** Options of the in-process store. */
export interface MemoryRateLimitStoreOptions {
  /** Most buckets kept at once (default 100 000). */
  maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 100_000;
/** When a sweep still leaves the map this full, live buckets are dropped down to this fraction. */
const EVICTION_TARGET_RATIO = 0.9;

/**
 * GCRA store for a single process (the embedded default): a Map from bucket key to TAT, with exactly the
 * semantics of `gcraDecide`. Memory is bounded: at `maxEntries` the store first drops buckets whose TAT
 * has passed (full buckets, indistinguishable from absent ones), then, if still too full, the least
 * recently used live buckets (which then restart full: a bounded, documented leniency).
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly inProcess = true;
  private readonly tats = new Map<string, number>();
  private readonly maxEntries: number;
  private closed = false;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? DEFAULT_MAX_ENTRIES));
  }

  /** Number of buckets currently held. */
  get size(): number {
    return this.tats.size;
  }

  async decide(key: string, policy: RatePolicy, nowMs: number = Date.now()): Promise<RateDecision> {
    this.assertOpen();
    const nowUs = msToUs(nowMs);
    const { decision, tatUs } = gcraDecide(this.tats.get(key), nowUs, policy);
    if (decision.allowed) this.remember(key, tatUs, nowUs);
    return decision;
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.tats.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new RateLimitStoreError('unavailable', 'memory store is closed');
  }

  private remember(key: string, tatUs: number, nowUs: number): void {
    this.tats.delete(key);
    if (this.tats.size >= this.maxEntries) this.evict(nowUs);
    this.tats.set(key, tatUs);
  }

  private evict(nowUs: number): void {
    for (const [key, tatUs] of this.tats) {
      if (tatUs <= nowUs) this.tats.delete(key);
    }
    if (this.tats.size < this.maxEntries) return;
    const target = Math.floor((this.maxEntries - 1) * EVICTION_TARGET_RATIO);
    for (const key of this.tats.keys()) {
      if (this.tats.size <= target) break;
      this.tats.delete(key);
    }
  }
}

/** Creates the in-process rate-limit store. */
export function createMemoryRateLimitStore(options: MemoryRateLimitStoreOptions = {}): MemoryRateLimitStore {
  return new MemoryRateLimitStore(options);
}
