/** A source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

/** mulberry32: a tiny, fast 32-bit PRNG; the same seed always yields the same sequence. */
export function mulberry32(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Derives an independent 32-bit stream seed from a base seed and string keys (FNV-1a), so each asset and
 * purpose gets its own sequence and adding a stream never shifts the numbers of another.
 */
export function deriveSeed(seed: number, ...keys: readonly string[]): number {
  let hash = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (const key of keys) {
    for (let index = 0; index < key.length; index += 1) {
      hash ^= key.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    hash ^= 0x1f;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A seeded stream for `keys` under `seed`. */
export const randomStream = (seed: number, ...keys: readonly string[]): RandomSource =>
  mulberry32(deriveSeed(seed, ...keys));

/** A standard normal draw (Box–Muller) from `random`. */
export function gaussian(random: RandomSource): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A uniform draw in [min, max). */
export const uniform = (random: RandomSource, min: number, max: number): number =>
  min + (max - min) * random();

/** An element of `items` chosen with the given relative `weights` (same length). */
export function pickWeighted<T>(random: RandomSource, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let remaining = random() * total;
  for (let index = 0; index < items.length; index += 1) {
    remaining -= weights[index] ?? 0;
    if (remaining < 0) return items[index] as T;
  }
  return items[items.length - 1] as T;
}
