/** Quantile (type 7, linear interpolation) of values already sorted ascending; NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, level: number): number {
  const count = sorted.length;
  if (count === 0) return Number.NaN;
  if (count === 1) return sorted[0]!;
  const position = Math.min(Math.max(level, 0), 1) * (count - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, count - 1);
  const weight = position - lower;
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

/** Median of the finite values; NaN when there are none. */
export function median(values: ArrayLike<number>): number {
  const finite: number[] = [];
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (Number.isFinite(value)) finite.push(value);
  }
  finite.sort((left, right) => left - right);
  return quantileSorted(finite, 0.5);
}

/** Arithmetic mean of the finite values; NaN when there are none. */
export function meanOfFinite(values: ArrayLike<number>): number {
  let sum = 0;
  let count = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (Number.isFinite(value)) {
      sum += value;
      count++;
    }
  }
  return count === 0 ? Number.NaN : sum / count;
}

/** Deterministic pseudo-random generator (mulberry32) returning uniforms in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Standard normal draws from a uniform generator (Box–Muller). */
export function normalSampler(uniform: () => number): () => number {
  return () => {
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    return radius * Math.cos(2 * Math.PI * uniform());
  };
}
