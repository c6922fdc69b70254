import { createHmac } from 'node:crypto';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASE62_ALPHABET, encodeBase62Fixed } from '../../../src/domain/keys/base62.js';
import { crc32 } from '../../../src/domain/keys/crc32.js';
import {
  API_KEY_CHECKSUM_LENGTH,
  API_KEY_ENTROPY_BITS,
  API_KEY_RANDOM_LENGTH,
  apiKeyChecksum,
  generateApiKey,
  hashApiKey,
  parseApiKey,
  randomBase62,
  safeEqualHex,
} from '../../../src/domain/keys/token.js';
import { ENVIRONMENTS, type Environment } from '../../../src/profiles.js';

const PRINTABLE_ASCII = Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index));

describe('crc32', () => {
  it('matches the standard CRC-32 check values', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
    expect(crc32('a')).toBe(0xe8b7be43);
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
    expect(crc32(new Uint8Array([0xff, 0x00, 0x80]))).toBe(zlib.crc32(Buffer.from([0xff, 0x00, 0x80])));
  });

  it('agrees with zlib on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(crc32(bytes)).toBe(zlib.crc32(Buffer.from(bytes)));
      }),
    );
  });
});

describe('base62', () => {
  it('encodes fixed-width and refuses values that do not fit', () => {
    expect(encodeBase62Fixed(0, 6)).toBe('000000');
    expect(encodeBase62Fixed(61, 2)).toBe('0z');
    expect(encodeBase62Fixed(62, 2)).toBe('10');
    expect(encodeBase62Fixed(0xffffffff, 6)).toHaveLength(6);
    expect(() => encodeBase62Fixed(62 ** 2, 2)).toThrow(RangeError);
    expect(() => encodeBase62Fixed(-1, 6)).toThrow(RangeError);
  });
});

describe('generateApiKey', () => {
  it.each(ENVIRONMENTS)('produces da_%s_ + 32 random base62 + 6-char checksum', (env) => {
    const key = generateApiKey(env);
    const prefix = `da_${env}_`;
    expect(key.env).toBe(env);
    expect(key.plaintext.startsWith(prefix)).toBe(true);
    expect(key.plaintext).toHaveLength(prefix.length + API_KEY_RANDOM_LENGTH + API_KEY_CHECKSUM_LENGTH);
    expect(key.plaintext.slice(prefix.length)).toMatch(/^[0-9A-Za-z]{38}$/);
    expect(key.displayPrefix).toBe(`${key.plaintext.slice(0, 12)}…`);
    const withoutChecksum = key.plaintext.slice(0, -API_KEY_CHECKSUM_LENGTH);
    expect(key.plaintext.slice(-API_KEY_CHECKSUM_LENGTH)).toBe(apiKeyChecksum(withoutChecksum));
    expect(parseApiKey(key.plaintext)).toEqual({
      ok: true,
      env,
      body: key.plaintext.slice(prefix.length, -API_KEY_CHECKSUM_LENGTH),
    });
  });

  it('carries at least 178 bits of entropy in the random part', () => {
    expect(API_KEY_RANDOM_LENGTH).toBe(32);
    expect(API_KEY_ENTROPY_BITS).toBeGreaterThanOrEqual(178);
    expect(API_KEY_ENTROPY_BITS).toBeCloseTo(190.53, 1);
  });

  it('never repeats a key', () => {
    const keys = new Set(Array.from({ length: 2000 }, () => generateApiKey('dev').plaintext));
    expect(keys.size).toBe(2000);
  });

  it('draws base62 characters without modulo bias', () => {
    const sample = randomBase62(124_000);
    const counts = new Map<string, number>();
    for (const character of sample) counts.set(character, (counts.get(character) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // expected 2000 per symbol, σ ≈ 44; a `byte % 62` bias would push '0'..'7' to ≈ 2480.
    for (const symbol of BASE62_ALPHABET) {
      expect(counts.get(symbol)).toBeGreaterThan(1750);
      expect(counts.get(symbol)).toBeLessThan(2250);
    }
  });
});

describe('parseApiKey', () => {
  const environmentArbitrary = fc.constantFrom<Environment>(...ENVIRONMENTS);

  it('rejects every single-character substitution (checksum or shape)', () => {
    fc.assert(
      fc.property(
        environmentArbitrary,
        fc.nat(),
        fc.constantFrom(...PRINTABLE_ASCII),
        (env, positionSeed, replacement) => {
          const { plaintext } = generateApiKey(env);
          const position = positionSeed % plaintext.length;
          fc.pre(plaintext[position] !== replacement);
          const typo = plaintext.slice(0, position) + replacement + plaintext.slice(position + 1);
          expect(parseApiKey(typo).ok).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reports bad_checksum for a base62 typo in the random part', () => {
    fc.assert(
      fc.property(
        environmentArbitrary,
        fc.nat(),
        fc.constantFrom(...BASE62_ALPHABET),
        (env, seed, replacement) => {
          const { plaintext } = generateApiKey(env);
          const position = `da_${env}_`.length + (seed % API_KEY_RANDOM_LENGTH);
          fc.pre(plaintext[position] !== replacement);
          const typo = plaintext.slice(0, position) + replacement + plaintext.slice(position + 1);
          expect(parseApiKey(typo)).toEqual({ ok: false, reason: 'bad_checksum' });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('rejects every transposition of two different adjacent characters', () => {
    fc.assert(
      fc.property(environmentArbitrary, fc.nat(), (env, seed) => {
        const { plaintext } = generateApiKey(env);
        const position = seed % (plaintext.length - 1);
        fc.pre(plaintext[position] !== plaintext[position + 1]);
        const swapped =
          plaintext.slice(0, position) +
          plaintext[position + 1] +
          plaintext[position] +
          plaintext.slice(position + 2);
        expect(parseApiKey(swapped).ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps a key bound to its environment: relabelling the prefix breaks the checksum', () => {
    const { plaintext } = generateApiKey('dev');
    expect(parseApiKey(plaintext.replace('da_dev_', 'da_prod_'))).toEqual({
      ok: false,
      reason: 'bad_checksum',
    });
    expect(parseApiKey(plaintext.replace('da_dev_', 'da_qa_'))).toEqual({
      ok: false,
      reason: 'bad_checksum',
    });
  });

  it.each([
    ['empty', ''],
    ['unknown environment', `da_test_${'a'.repeat(32)}000000`],
    ['missing prefix', `${'a'.repeat(32)}000000`],
    ['too short', `da_dev_${'a'.repeat(31)}000000`],
    ['too long', `da_dev_${'a'.repeat(33)}000000`],
    ['non-base62 character', `da_dev_${'a'.repeat(31)}-000000`],
    ['upper-case prefix', `DA_DEV_${'a'.repeat(32)}000000`],
  ])('rejects a malformed key (%s)', (_, text) => {
    expect(parseApiKey(text)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('does not trim surrounding whitespace', () => {
    const { plaintext } = generateApiKey('qa');
    expect(parseApiKey(` ${plaintext}`)).toEqual({ ok: false, reason: 'malformed' });
    expect(parseApiKey(`${plaintext}\n`)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('hashApiKey and safeEqualHex', () => {
  it('is HMAC-SHA-256 keyed by the pepper (RFC 4231 test case 2)', () => {
    expect(hashApiKey('what do ya want for nothing?', 'Jefe')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('depends on both the key and the pepper', () => {
    const { plaintext } = generateApiKey('prod');
    const hash = hashApiKey(plaintext, 'pepper-1');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(createHmac('sha256', 'pepper-1').update(plaintext).digest('hex'));
    expect(hashApiKey(plaintext, 'pepper-2')).not.toBe(hash);
    expect(hashApiKey(generateApiKey('prod').plaintext, 'pepper-1')).not.toBe(hash);
  });

  it('compares hex digests in constant time and safely', () => {
    const hash = hashApiKey(generateApiKey('dev').plaintext, 'pepper');
    const other = hashApiKey(generateApiKey('dev').plaintext, 'pepper');
    expect(safeEqualHex(hash, hash)).toBe(true);
    expect(safeEqualHex(hash, hash.toUpperCase())).toBe(true);
    expect(safeEqualHex(hash, other)).toBe(false);
    expect(safeEqualHex(hash, hash.slice(0, 62))).toBe(false);
    expect(safeEqualHex(hash, `${hash.slice(0, 63)}g`)).toBe(false);
    expect(safeEqualHex(`${hash.slice(0, 63)}z`, `${hash.slice(0, 63)}z`)).toBe(false);
    expect(safeEqualHex('abc', 'abc')).toBe(false);
    expect(safeEqualHex('', '')).toBe(true);
  });
});
