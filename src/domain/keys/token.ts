import { createHmac, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import { ENVIRONMENTS, type Environment } from '../../profiles.js';
import { BASE62_ALPHABET, encodeBase62Fixed } from './base62.js';
import { crc32 } from './crc32.js';

/**
 * Number of random base62 characters in a key. 32 × log2(62) ≈ 190.5 bits of entropy, above the 178 bits
 * (30 characters) that GitHub-style tokens carry.
 */
export const API_KEY_RANDOM_LENGTH = 32;

/** Entropy of the random part of a key, in bits (≈ 190.5). */
export const API_KEY_ENTROPY_BITS = API_KEY_RANDOM_LENGTH * Math.log2(62);

/** Length of the base62 CRC32 checksum that ends every key (62^6 > 2^32, so every CRC32 fits). */
export const API_KEY_CHECKSUM_LENGTH = 6;

/** Number of leading characters shown in listings and logs (`displayPrefix`). */
export const API_KEY_DISPLAY_LENGTH = 12;

/** Largest byte value kept by rejection sampling: 248 = 4 × 62, so `byte % 62` is uniform. */
const UNBIASED_BYTE_LIMIT = 248;

const API_KEY_PATTERN = new RegExp(
  `^da_(${ENVIRONMENTS.join('|')})_([0-9A-Za-z]{${API_KEY_RANDOM_LENGTH}})([0-9A-Za-z]{${API_KEY_CHECKSUM_LENGTH}})$`,
);

/** A freshly generated key. `plaintext` is shown to the caller once and never stored. */
export interface GeneratedApiKey {
  plaintext: string;
  /** Safe to store and display: the first 12 characters followed by an ellipsis. */
  displayPrefix: string;
  env: Environment;
}

/** Result of the offline syntax and checksum check of a presented key. */
export type ParsedApiKey =
  | { ok: true; env: Environment; body: string }
  | { ok: false; reason: 'malformed' | 'bad_checksum' };

/** The prefix every key of `env` starts with, e.g. `da_prod_`. */
export function apiKeyPrefix(env: Environment): `da_${Environment}_` {
  return `da_${env}_`;
}

/** Base62 CRC32 checksum (6 characters) of the part of a key that precedes the checksum. */
export function apiKeyChecksum(keyWithoutChecksum: string): string {
  return encodeBase62Fixed(crc32(keyWithoutChecksum), API_KEY_CHECKSUM_LENGTH);
}

/** `length` uniformly distributed base62 characters from the CSPRNG (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let text = '';
  while (text.length < length) {
    for (const byte of randomBytes(length - text.length + 8)) {
      if (byte < UNBIASED_BYTE_LIMIT) text += BASE62_ALPHABET[byte % 62];
      if (text.length === length) break;
    }
  }
  return text;
}

/** Creates a new key for `env`: `da_<env>_` + 32 random base62 characters + 6-character checksum. */
export function generateApiKey(env: Environment): GeneratedApiKey {
  const withoutChecksum = apiKeyPrefix(env) + randomBase62(API_KEY_RANDOM_LENGTH);
  const plaintext = withoutChecksum + apiKeyChecksum(withoutChecksum);
  return { plaintext, displayPrefix: displayPrefixOf(plaintext), env };
}

/** The displayable prefix of a key: its first 12 characters followed by '…'. */
export function displayPrefixOf(plaintext: string): string {
  return `${plaintext.slice(0, API_KEY_DISPLAY_LENGTH)}…`;
}

/**
 * Checks the shape and checksum of a presented key without any database access, so typos and random
 * forgeries are rejected before a lookup. `body` is the random part (between prefix and checksum).
 * The text is not trimmed: callers decide whether surrounding whitespace is acceptable.
 */
export function parseApiKey(text: string): ParsedApiKey {
  const match = API_KEY_PATTERN.exec(text);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, env, body, checksum] = match;
  if (apiKeyChecksum(text.slice(0, text.length - API_KEY_CHECKSUM_LENGTH)) !== checksum) {
    return { ok: false, reason: 'bad_checksum' };
  }
  return { ok: true, env: env as Environment, body: body! };
}

/**
 * HMAC-SHA-256 of the full plaintext key under a server-side pepper, as 64 lower-case hex characters.
 * A pepper given as a `KeyObject` (see `createSecretKey`) is not re-imported on every call.
 */
export function hashApiKey(plaintext: string, pepper: string | Uint8Array | KeyObject): string {
  return createHmac('sha256', pepper).update(plaintext, 'utf8').digest('hex');
}

/**
 * Constant-time comparison of two hex strings (case-insensitive). Returns false for strings of different
 * length or that are not valid hex; only the length is observable through timing.
 */
export function safeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length || a.length % 2 !== 0) return false;
  if (!/^[0-9a-fA-F]*$/.test(a) || !/^[0-9a-fA-F]*$/.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}
