/** Options of the Nelder–Mead minimiser. */
export interface NelderMeadOptions {
  /** Initial simplex edge per coordinate (default 0.5). */
  step?: number;
  maxIterations?: number;
  /** Stop when the spread of objective values across the simplex falls below this (default 1e-10). */
  tolerance?: number;
}

/** Result of a minimisation. */
export interface MinimumResult {
  point: number[];
  value: number;
  iterations: number;
}

/**
 * Nelder–Mead downhill simplex (standard coefficients 1, 2, 0.5, 0.5) on an unconstrained objective.
 * Constraints are the caller's job, by reparametrising (logistic, log).
 */
export function nelderMead(
  objective: (point: readonly number[]) => number,
  start: readonly number[],
  options: NelderMeadOptions = {},
): MinimumResult {
  const dimension = start.length;
  const step = options.step ?? 0.5;
  const maxIterations = options.maxIterations ?? 200 * dimension;
  const tolerance = options.tolerance ?? 1e-10;
  const evaluate = (point: number[]): number => {
    const value = objective(point);
    return Number.isFinite(value) ? value : Number.POSITIVE_INFINITY;
  };

  const simplex: number[][] = [start.slice()];
  for (let axis = 0; axis < dimension; axis++) {
    const vertex = start.slice();
    vertex[axis] = vertex[axis]! + step;
    simplex.push(vertex);
  }
  const values = simplex.map(evaluate);
  const order = simplex.map((_, index) => index);
  const centroid = new Array<number>(dimension).fill(0);
  const along = (from: number[], towards: number[], factor: number): number[] =>
    from.map((coordinate, axis) => coordinate + factor * (towards[axis]! - coordinate));

  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    order.sort((left, right) => values[left]! - values[right]!);
    const best = order[0]!;
    const worst = order[dimension]!;
    const secondWorst = order[dimension - 1]!;
    if (Math.abs(values[worst]! - values[best]!) <= tolerance * (Math.abs(values[best]!) + tolerance)) break;

    centroid.fill(0);
    for (const index of order.slice(0, dimension)) {
      for (let axis = 0; axis < dimension; axis++) centroid[axis]! += simplex[index]![axis]! / dimension;
    }
    const worstPoint = simplex[worst]!;
    const reflected = along(worstPoint, centroid, 2);
    const reflectedValue = evaluate(reflected);
    if (reflectedValue < values[best]!) {
      const expanded = along(worstPoint, centroid, 3);
      const expandedValue = evaluate(expanded);
      const takeExpanded = expandedValue < reflectedValue;
      simplex[worst] = takeExpanded ? expanded : reflected;
      values[worst] = takeExpanded ? expandedValue : reflectedValue;
      continue;
    }
    if (reflectedValue < values[secondWorst]!) {
      simplex[worst] = reflected;
      values[worst] = reflectedValue;
      continue;
    }
    const outside = reflectedValue < values[worst]!;
    const contracted = outside ? along(worstPoint, centroid, 1.5) : along(worstPoint, centroid, 0.5);
    const contractedValue = evaluate(contracted);
    if (contractedValue < Math.min(values[worst]!, reflectedValue)) {
      simplex[worst] = contracted;
      values[worst] = contractedValue;
      continue;
    }
    const bestPoint = simplex[best]!;
    for (const index of order.slice(1)) {
      simplex[index] = along(bestPoint, simplex[index]!, 0.5);
      values[index] = evaluate(simplex[index]!);
    }
  }
  let bestIndex = 0;
  for (let index = 1; index <= dimension; index++) if (values[index]! < values[bestIndex]!) bestIndex = index;
  return { point: simplex[bestIndex]!, value: values[bestIndex]!, iterations };
}

/** Golden-section search for the minimum of a unimodal function on [low, high]. */
export function goldenSection(
  objective: (x: number) => number,
  low: number,
  high: number,
  iterations = 60,
): { x: number; value: number } {
  const ratio = (Math.sqrt(5) - 1) / 2;
  let left = low;
  let right = high;
  let inner1 = right - ratio * (right - left);
  let inner2 = left + ratio * (right - left);
  let value1 = objective(inner1);
  let value2 = objective(inner2);
  for (let iteration = 0; iteration < iterations; iteration++) {
    if (value1 <= value2) {
      right = inner2;
      inner2 = inner1;
      value2 = value1;
      inner1 = right - ratio * (right - left);
      value1 = objective(inner1);
    } else {
      left = inner1;
      inner1 = inner2;
      value1 = value2;
      inner2 = left + ratio * (right - left);
      value2 = objective(inner2);
    }
  }
  return value1 <= value2 ? { x: inner1, value: value1 } : { x: inner2, value: value2 };
}
