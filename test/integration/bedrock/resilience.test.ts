import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  classifyBedrockError,
  resolveRetryPolicy,
  sleep,
} from '../../../src/adapters/bedrock/resilience.js';
import { startFakeBedrock } from '../../support/fake-bedrock.js';

function serviceError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
}

describe('backoffDelayMs (full jitter)', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 350, throttleBudgetMs: 0 };

  it('draws uniformly below an exponentially growing, capped ceiling', () => {
    expect(backoffDelayMs(1, policy, () => 0.999)).toBe(99);
    expect(backoffDelayMs(2, policy, () => 0.999)).toBe(199);
    expect(backoffDelayMs(3, policy, () => 0.999)).toBe(349);
    expect(backoffDelayMs(9, policy, () => 0.5)).toBe(175);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
  });

  it('rejects policies without at least one attempt', () => {
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(RangeError);
    expect(resolveRetryPolicy({ baseDelayMs: 1 })).toEqual({
      maxAttempts: 4,
      baseDelayMs: 1,
      maxDelayMs: 5_000,
      throttleBudgetMs: 20_000,
    });
    expect(() => resolveRetryPolicy({ throttleBudgetMs: -1 })).toThrow(RangeError);
  });
});

describe('classifyBedrockError', () => {
  it.each([
    ['ThrottlingException', 429, 'throttled', true],
    ['ModelNotReadyException', 429, 'throttled', true],
    ['ServiceQuotaExceededException', 400, 'throttled', false],
    ['ServiceUnavailableException', 503, 'unavailable', true],
    ['InternalServerException', 500, 'unavailable', true],
    ['ModelErrorException', 424, 'unavailable', false],
    ['ModelTimeoutException', 408, 'timeout', false],
    ['ValidationException', 400, 'invalid', false],
    ['AccessDeniedException', 403, 'invalid', false],
    ['ResourceNotFoundException', 404, 'invalid', false],
    ['SomethingNew', 502, 'unavailable', true],
    ['SomethingNew', 429, 'throttled', true],
  ] as const)('%s (%i) → %s, retryable %s', (name, status, failure, retryable) => {
    expect(classifyBedrockError(serviceError(name, status), false)).toMatchObject({ failure, retryable });
  });

  it('treats stream exception members (lowerCamel) like their HTTP counterparts', () => {
    const error = Object.assign(new Error('slow down'), { name: 'throttlingException' });
    expect(classifyBedrockError(error, false)).toMatchObject({ failure: 'throttled', retryable: true });
  });

  it('treats network resets as retryable and the adapter deadline as a timeout', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyBedrockError(reset, false)).toMatchObject({ failure: 'unavailable', retryable: true });
    const aborted = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    expect(classifyBedrockError(aborted, true)).toMatchObject({ failure: 'timeout', retryable: false });
  });

  it('does not retry unknown errors', () => {
    expect(classifyBedrockError(new TypeError('oops'), false)).toMatchObject({
      failure: 'unavailable',
      retryable: false,
    });
  });
});

describe('sleep', () => {
  it('rejects with the abort reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const pending = sleep(10_000, controller.signal);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});

describe('fake Bedrock server basics', () => {
  it('refuses unsigned requests and unknown routes like the service would', async () => {
    const fake = await startFakeBedrock();
    try {
      const unsigned = await fetch(`${fake.url}/model/m/converse`, { method: 'POST', body: '{}' });
      expect(unsigned.status).toBe(403);
      expect(unsigned.headers.get('x-amzn-errortype')).toMatch(/^UnrecognizedClientException:/);

      const unknown = await fetch(`${fake.url}/nope`, {
        method: 'POST',
        headers: { authorization: 'AWS4-HMAC-SHA256 x' },
      });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({ message: 'No route for /nope' });
      expect(fake.requests.map((request) => request.operation)).toEqual(['converse', 'unknown']);
    } finally {
      await fake.close();
    }
  });
});
