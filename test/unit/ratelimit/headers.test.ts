import { describe, expect, it } from 'vitest';
import { gcraDecide } from '../../../src/domain/ratelimit/gcra.js';
import {
  formatRateLimit,
  formatRateLimitPolicy,
  rateLimitHeaders,
  structuredFieldString,
} from '../../../src/domain/ratelimit/headers.js';

/** One List member of draft-ietf-httpapi-ratelimit-headers: an sf-string Item with integer parameters. */
const SF_STRING = String.raw`"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"`;
const POLICY_ITEM = new RegExp(`^${SF_STRING};q=\\d{1,15};w=[1-9]\\d{0,14}$`);
const LIMIT_ITEM = new RegExp(`^${SF_STRING};r=\\d{1,15};t=\\d{1,15}$`);

const policy = { limit: 100, periodSeconds: 60, burst: 100 };
const NOW_US = 1_750_000_000_000_000;

describe('rate-limit headers', () => {
  it('formats RateLimit-Policy and RateLimit as in the draft examples', () => {
    expect(formatRateLimitPolicy('default', { limit: 100, periodSeconds: 10, burst: 100 })).toBe(
      '"default";q=100;w=10',
    );
    expect(
      formatRateLimit('default', {
        allowed: true,
        limit: 100,
        remaining: 50,
        resetSeconds: 30,
        retryAfterSeconds: 0,
      }),
    ).toBe('"default";r=50;t=30');
  });

  it('produces syntactically valid items for an allowed decision, without Retry-After', () => {
    const { decision } = gcraDecide(undefined, NOW_US, policy);
    const headers = rateLimitHeaders('insights', policy, decision);
    expect(headers).toEqual({
      'RateLimit-Policy': '"insights";q=100;w=60',
      RateLimit: '"insights";r=99;t=1',
    });
    expect(headers['RateLimit-Policy']).toMatch(POLICY_ITEM);
    expect(headers.RateLimit).toMatch(LIMIT_ITEM);
  });

  it('adds Retry-After on a denial and makes t equal to it', () => {
    let tatUs: number | undefined;
    let last = gcraDecide(tatUs, NOW_US, policy).decision;
    for (let index = 0; index < 101; index++) {
      const outcome = gcraDecide(tatUs, NOW_US, policy);
      if (outcome.decision.allowed) tatUs = outcome.tatUs;
      last = outcome.decision;
    }
    expect(last.allowed).toBe(false);
    const headers = rateLimitHeaders('rag', policy, last);
    expect(headers).toEqual({
      'RateLimit-Policy': '"rag";q=100;w=60',
      RateLimit: '"rag";r=0;t=1',
      'Retry-After': '1',
    });
    expect(headers.RateLimit).toMatch(LIMIT_ITEM);
  });

  it('escapes quotes and backslashes in the policy name and refuses non-ASCII', () => {
    expect(structuredFieldString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(formatRateLimitPolicy('a"b', policy)).toMatch(POLICY_ITEM);
    expect(() => structuredFieldString('café')).toThrow(RangeError);
    expect(() => structuredFieldString('line\nbreak')).toThrow(RangeError);
  });
});
