import { describe, expect, it } from 'vitest';
import { ResponseMemo } from '../../src/http/response-memo.js';

const answer = (bytes: number) => ({
  body: new Uint8Array(bytes),
  contentType: 'application/json',
  headers: [['ETag', `"${bytes}"`] as const],
  etag: `"${bytes}"`,
});

describe('ResponseMemo', () => {
  it('forgets answers older than the TTL', () => {
    let now = 0;
    const memo = new ResponseMemo({ ttlMs: 1_000, now: () => now });
    memo.set('a', answer(10));
    now = 999;
    expect(memo.get('a')?.etag).toBe('"10"');
    now = 1_000;
    expect(memo.get('a')).toBeUndefined();
    expect(memo.stats).toEqual({ entries: 0, bytes: 0 });
  });

  it('evicts the least recently served answer beyond maxEntries', () => {
    const memo = new ResponseMemo({ ttlMs: 60_000, maxEntries: 2 });
    memo.set('a', answer(1));
    memo.set('b', answer(2));
    memo.get('a');
    memo.set('c', answer(3));
    expect(memo.get('b')).toBeUndefined();
    expect(memo.get('a')?.etag).toBe('"1"');
    expect(memo.get('c')?.etag).toBe('"3"');
  });

  it('keeps total bytes within maxTotalBytes and refuses answers over maxBodyBytes', () => {
    const memo = new ResponseMemo({ ttlMs: 60_000, maxBodyBytes: 100, maxTotalBytes: 150 });
    expect(memo.set('huge', answer(101))).toBe(false);
    memo.set('a', answer(80));
    memo.set('b', answer(60));
    expect(memo.stats).toEqual({ entries: 2, bytes: 140 });
    memo.set('c', answer(50));
    expect(memo.get('a')).toBeUndefined();
    expect(memo.stats).toEqual({ entries: 2, bytes: 110 });
    memo.set('b', answer(70));
    expect(memo.stats).toEqual({ entries: 2, bytes: 120 });
  });
});
