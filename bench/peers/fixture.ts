/**
 * What the bench peers serve, written by the load bench from the API it has just started: the bench
 * key (the peers keep only its HMAC), the `/health` fields and the exact body bytes and ETag of each
 * cached `/insights/daily` URL the bench loads.
 */
export interface PeerFixture {
  env: string;
  version: string;
  /** HMAC-SHA256 pepper the peers hash presented keys with (hex). */
  pepper: string;
  /** The keys the peers accept: HMAC-SHA256(pepper, key) in hex → key id. */
  keys: Record<string, string>;
  /** Per-key budget of the insights class. */
  rateLimit: { limit: number; periodSeconds: number };
  /** Cached daily answers by `date|site|limit|format`. */
  daily: Record<string, { body: string; etag: string }>;
}

/** The cache key the peers use for a daily request. */
export const dailyCacheKey = (date: string, site: string, limit: number, format: string): string =>
  `${date}|${site}|${limit}|${format}`;
