import { Redis, type RedisOptions } from 'ioredis';
import { gcraDecision, gcraParameters, msToUs } from '../../domain/ratelimit/gcra.js';
import { type RateDecision, type RateLimitStore, RateLimitStoreError } from '../../ports/rate-limit.js';
import type { RatePolicy } from '../../profiles.js';
import { GCRA_LUA_SCRIPT, GCRA_LUA_SHA1 } from './gcra-script.js';

/** Options of `createRedisRateLimitStore`. */
export interface RedisRateLimitStoreOptions {
  /** `redis://` or `rediss://` (TLS, e.g. ElastiCache in-transit encryption) URL. */
  url: string;
  /** Prepended to every bucket key (default `datalive:rl:`); include the environment to keep them apart. */
  keyPrefix?: string;
  /** Budget for one decision or ping, in ms (default 50). */
  timeoutMs?: number;
  /** Budget for one TCP connect attempt, in ms (default 1000). */
  connectTimeoutMs?: number;
  /** Upper bound of the reconnect backoff, in ms (default 2000): Redis is retried forever at most this far apart. */
  maxReconnectDelayMs?: number;
  /** Called for connection-level errors the client reports (for logging); decisions report theirs by throwing. */
  onConnectionError?: (error: Error) => void;
}

/** Options of a store built around an existing client. */
export interface RedisRateLimitStoreSettings {
  keyPrefix: string;
  timeoutMs: number;
  /** Whether `close()` also disconnects the client. */
  ownsClient: boolean;
}

const DEFAULT_KEY_PREFIX = 'datalive:rl:';
const DEFAULT_TIMEOUT_MS = 50;
const DEFAULT_CONNECT_TIMEOUT_MS = 1000;
const DEFAULT_MAX_RECONNECT_DELAY_MS = 2000;
const FIRST_RECONNECT_DELAY_MS = 50;

/**
 * GCRA store shared by every app instance through Redis: one atomic Lua script per decision (EVALSHA,
 * falling back to EVAL on NOSCRIPT), timed by the Redis server clock unless `nowMs` is passed (tests).
 * Every failure surfaces as a RateLimitStoreError: `timeout` when no answer came within `timeoutMs`,
 * `unavailable` otherwise (not connected, connection lost, server error).
 */
export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly client: Redis,
    private readonly settings: RedisRateLimitStoreSettings,
  ) {}

  async decide(key: string, policy: RatePolicy, nowMs?: number): Promise<RateDecision> {
    const { emissionIntervalUs, toleranceUs } = gcraParameters(policy);
    const args = [emissionIntervalUs, toleranceUs, nowMs === undefined ? '' : msToUs(nowMs)];
    const reply = await this.withTimeout(this.runScript(this.settings.keyPrefix + key, args));
    const { allowed, tatUs, nowUs } = parseScriptReply(reply);
    return gcraDecision(allowed, tatUs, nowUs, policy);
  }

  async ping(): Promise<void> {
    await this.withTimeout(this.client.ping());
  }

  /** Resolves once the connection is ready for commands; rejects with `unavailable` after `timeoutMs`. */
  waitUntilReady(timeoutMs: number): Promise<void> {
    if (this.client.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        reject(new RateLimitStoreError('unavailable', `Redis not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      this.client.once('ready', onReady);
    });
  }

  async close(): Promise<void> {
    if (!this.settings.ownsClient) return;
    try {
      await this.withTimeout(this.client.quit());
    } catch {
      // The connection is already gone or hung; disconnect below regardless.
    } finally {
      this.client.disconnect();
    }
  }

  private async runScript(bucketKey: string, args: (string | number)[]): Promise<unknown> {
    try {
      return await this.client.evalsha(GCRA_LUA_SHA1, 1, bucketKey, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await this.client.eval(GCRA_LUA_SCRIPT, 1, bucketKey, ...args);
    }
  }

  private async withTimeout<T>(operation: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RateLimitStoreError('timeout', `Redis did not answer within ${this.settings.timeoutMs} ms`),
          ),
        this.settings.timeoutMs,
      );
    });
    try {
      return await Promise.race([operation, deadline]);
    } catch (error) {
      throw toStoreError(error);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Creates a Redis-backed store with its own connection, tuned to fail fast and reconnect forever. */
export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): RedisRateLimitStore {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS;
  const clientOptions: RedisOptions = {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) =>
      Math.min(FIRST_RECONNECT_DELAY_MS * 2 ** Math.min(attempt - 1, 16), maxReconnectDelayMs),
  };
  const client = new Redis(options.url, clientOptions);
  client.on('error', (error: Error) => options.onConnectionError?.(error));
  return new RedisRateLimitStore(client, {
    keyPrefix: options.keyPrefix ?? DEFAULT_KEY_PREFIX,
    timeoutMs,
    ownsClient: true,
  });
}

function parseScriptReply(reply: unknown): { allowed: boolean; tatUs: number; nowUs: number } {
  if (Array.isArray(reply) && reply.length === 3) {
    const [allowed, tat, now] = reply as unknown[];
    const tatUs = Number(tat);
    const nowUs = Number(now);
    if ((allowed === 0 || allowed === 1) && Number.isSafeInteger(tatUs) && Number.isSafeInteger(nowUs)) {
      return { allowed: allowed === 1, tatUs, nowUs };
    }
  }
  throw new RateLimitStoreError('unavailable', 'unexpected reply from the rate-limit script');
}

function toStoreError(error: unknown): RateLimitStoreError {
  if (error instanceof RateLimitStoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message === 'Command timed out')
    return new RateLimitStoreError('timeout', 'Redis command timed out', { cause: error });
  return new RateLimitStoreError('unavailable', `Redis unavailable: ${message}`, { cause: error });
}
