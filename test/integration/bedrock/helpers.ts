import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { createBedrockClient } from '../../../src/adapters/bedrock/client.js';
import type { FakeBedrock } from '../../support/fake-bedrock.js';

/** Fake static credentials: the SDK signs with them, the fake server only checks a SigV4 header is present. */
export const FAKE_CREDENTIALS = { accessKeyId: 'AKIDFAKEBEDROCK0000', secretAccessKey: 'fake-secret-key' };

/**
 * Tiny backoff so retry tests stay fast while still going through the real backoff code; throttling counts
 * against `maxAttempts` (no throttle budget) unless a test sets one.
 */
export const FAST_RETRY = { baseDelayMs: 2, maxDelayMs: 10, throttleBudgetMs: 0 };

/** A real SDK client pointed at the fake server. */
export function clientFor(fake: FakeBedrock, timeoutMs = 5_000): BedrockRuntimeClient {
  return createBedrockClient({
    region: 'us-east-1',
    endpoint: fake.url,
    timeoutMs,
    credentials: FAKE_CREDENTIALS,
  });
}

/** Resolves once `predicate` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function eventually(predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runs `action` and returns what it rejected with (fails the test if it resolved). */
export async function rejectionOf(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
