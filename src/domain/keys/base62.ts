/** The base62 alphabet in ASCII order: digits, upper case, lower case. */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Encodes a non-negative safe integer in base62, left-padded with '0' to exactly `width` characters.
 * Throws a RangeError when the value does not fit in `width` characters.
 */
export function encodeBase62Fixed(value: number, width: number): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`base62 encoding needs a non-negative safe integer, got ${value}`);
  }
  let remaining = value;
  let encoded = '';
  for (let position = 0; position < width; position++) {
    encoded = BASE62_ALPHABET[remaining % 62] + encoded;
    remaining = Math.floor(remaining / 62);
  }
  if (remaining !== 0) throw new RangeError(`${value} does not fit in ${width} base62 characters`);
  return encoded;
}

/** Whether every character of `text` belongs to the base62 alphabet. */
export function isBase62(text: string): boolean {
  return /^[0-9A-Za-z]*$/.test(text);
}
