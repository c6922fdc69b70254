import { fromDayNumber, toDayNumber } from '../../../src/domain/forecast/calendar.js';
import { normalSampler, seededRandom } from '../../../src/domain/forecast/stats.js';
import type { DailyPoint } from '../../../src/domain/forecast/types.js';

/** Day number of the first synthetic day (a Monday). */
export const START_DAY = toDayNumber('2024-01-01')!;

/** Builds daily points from a value function of the day index, starting 2024-01-01. */
export function dailySeries(
  length: number,
  value: (day: number) => number,
  uptimeHours?: (day: number) => number | null,
): DailyPoint[] {
  return Array.from({ length }, (_, day) => ({
    date: fromDayNumber(START_DAY + day),
    value: value(day),
    uptimeHours: uptimeHours ? uptimeHours(day) : null,
  }));
}

/** Seeded standard-normal generator for reproducible noise. */
export function gaussian(seed: number): () => number {
  return normalSampler(seededRandom(seed));
}
