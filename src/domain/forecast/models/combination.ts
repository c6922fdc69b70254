import type { ModelName } from '../types.js';

/** Single models averaged by the `combination` candidate. */
export const COMBINATION_MEMBERS = ['naive', 'ets', 'arps'] as const satisfies readonly ModelName[];

/**
 * Forecast combination: per origin and day, the geometric mean of the rate paths of the members that
 * could forecast from that origin (at least two; Arps drops out on flat or rising wells). Equal weights:
 * estimated weights rarely beat them on short daily histories.
 */
export function combinationPaths(
  members: ReadonlyMap<ModelName, readonly (Float64Array | null)[]>,
  origins: number,
): (Float64Array | null)[] {
  const result: (Float64Array | null)[] = [];
  for (let index = 0; index < origins; index++) {
    const paths = COMBINATION_MEMBERS.map((name) => members.get(name)?.[index] ?? null).filter(
      (path): path is Float64Array => path !== null,
    );
    if (paths.length < 2) {
      result.push(null);
      continue;
    }
    const horizon = Math.min(...paths.map((path) => path.length));
    const combined = new Float64Array(horizon);
    for (let step = 0; step < horizon; step++) {
      let logSum = 0;
      for (const path of paths) logSum += Math.log(Math.max(path[step]!, 1e-9));
      combined[step] = Math.exp(logSum / paths.length);
    }
    result.push(combined);
  }
  return result;
}
