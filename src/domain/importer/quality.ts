import type { CellValue } from './cells.js';

/**
 * Data-quality flags stored in `production_daily.quality_flags` (comma-separated, in this order). A flagged
 * row is loaded as it is; the flag tells readers not to trust it blindly.
 */
export const QUALITY_FLAGS = [
  'negative_volume',
  'hours_over_24',
  'negative_hours',
  'volume_without_hours',
  'duplicate_key',
] as const;

/** One data-quality flag. */
export type QualityFlag = (typeof QUALITY_FLAGS)[number];

/** Bit of each flag in a row's flag mask. */
export const FLAG_BIT: Readonly<Record<QualityFlag, number>> = Object.fromEntries(
  QUALITY_FLAGS.map((flag, index) => [flag, 1 << index]),
) as Record<QualityFlag, number>;

/** The production measures the rules look at. */
export interface ProductionMeasures {
  actualVolume: CellValue;
  plannedVolume: CellValue;
  uptimeHours: CellValue;
}

/**
 * Flags of one `production_daily` row (as a bit mask), except `duplicate_key`, which needs the whole file:
 * `negative_volume` (actual or planned volume below 0), `hours_over_24` (uptime above 24 h; legitimate on the
 * 25-hour day when daylight saving time ends), `negative_hours` (uptime below 0) and `volume_without_hours`
 * (a positive actual volume on a day with uptime exactly 0).
 */
export function productionFlags({ actualVolume, plannedVolume, uptimeHours }: ProductionMeasures): number {
  let mask = 0;
  if (
    (typeof actualVolume === 'number' && actualVolume < 0) ||
    (typeof plannedVolume === 'number' && plannedVolume < 0)
  )
    mask |= FLAG_BIT.negative_volume;
  if (typeof uptimeHours === 'number') {
    if (uptimeHours > 24) mask |= FLAG_BIT.hours_over_24;
    if (uptimeHours < 0) mask |= FLAG_BIT.negative_hours;
    if (uptimeHours === 0 && typeof actualVolume === 'number' && actualVolume > 0)
      mask |= FLAG_BIT.volume_without_hours;
  }
  return mask;
}

/** The `quality_flags` text of a mask: flag names joined by commas, or null when there is none. */
export function formatFlags(mask: number): string | null {
  if (mask === 0) return null;
  return QUALITY_FLAGS.filter((flag) => (mask & FLAG_BIT[flag]) !== 0).join(',');
}

/** A zero count for every flag. */
export const emptyFlagCounts = (): Record<QualityFlag, number> =>
  Object.fromEntries(QUALITY_FLAGS.map((flag) => [flag, 0])) as Record<QualityFlag, number>;
