import { fromDayNumber, toDayNumber } from './calendar.js';
import { ForecastInputError } from './errors.js';
import type { DailyPoint } from './types.js';

/** Day status in a prepared series. */
export const DayStatus = { missing: 0, producing: 1, shutIn: 2 } as const;

/** Longest calendar span accepted (about 55 years of daily data). */
export const MAX_SPAN_DAYS = 20_000;

/** Tuning of shut-in detection and rate normalisation. */
export interface SeriesPreparationOptions {
  /** A day whose volume is at most this share of the median producing volume is a shut-in (default 0.01). */
  shutInFraction?: number;
  /** Days with fewer hours on stream than this are not used to fit rates (default 6). */
  minRateHours?: number;
  /** `hours`: rate = volume × 24 / hours on stream when known (default); `volume`: rate = volume. */
  rateBasis?: 'hours' | 'volume';
}

/**
 * A validated series on a dense daily calendar (index 0 = first date). Missing days are NaN in `values`.
 * `rates` is the full-day rate used to fit models: volume scaled to 24 h on stream when hours are known,
 * NaN on shut-in, missing and short-uptime days.
 */
export interface PreparedSeries {
  startDay: number;
  length: number;
  values: Float64Array;
  /** Hours on stream, NaN when unknown. */
  hours: Float64Array;
  status: Uint8Array;
  rates: Float64Array;
  /** Volumes at or below this are shut-ins. */
  shutInThreshold: number;
}

/**
 * Checks dates and values, sorts by date and returns the dense calendar form, starting at the first
 * producing day (earlier zero days are before first production, not shut-ins). Throws `ForecastInputError`.
 */
export function prepareSeries(
  points: readonly DailyPoint[],
  options: SeriesPreparationOptions = {},
): PreparedSeries {
  const dated = points.map((point, index) => {
    const day = typeof point.date === 'string' ? toDayNumber(point.date) : null;
    if (day === null) {
      throw new ForecastInputError(
        'invalid_date',
        `point ${index}: date must be a real calendar date YYYY-MM-DD`,
        {
          index,
        },
      );
    }
    if (typeof point.value !== 'number' || !Number.isFinite(point.value) || point.value < 0) {
      throw new ForecastInputError(
        'invalid_value',
        `point ${index} (${point.date}): value must be a finite number >= 0`,
        {
          index,
        },
      );
    }
    const hours = point.uptimeHours;
    if (hours !== undefined && hours !== null && (!Number.isFinite(hours) || hours < 0 || hours > 25)) {
      throw new ForecastInputError(
        'invalid_value',
        `point ${index} (${point.date}): uptimeHours must be within 0–25`,
        {
          index,
        },
      );
    }
    return { day, value: point.value, hours: hours ?? Number.NaN };
  });
  dated.sort((left, right) => left.day - right.day);
  for (let index = 1; index < dated.length; index++) {
    if (dated[index]!.day === dated[index - 1]!.day) {
      const date = fromDayNumber(dated[index]!.day);
      throw new ForecastInputError('duplicate_date', `date ${date} appears more than once`, { date });
    }
  }
  if (dated.length === 0) {
    throw new ForecastInputError('series_too_short', 'the series has no points', { length: 0 });
  }
  const firstProducing = dated.findIndex((point) => point.value > 0 && point.hours !== 0);
  if (firstProducing < 0) {
    throw new ForecastInputError('series_too_short', 'the series has no producing day', { length: 0 });
  }
  dated.splice(0, firstProducing);

  const startDay = dated[0]!.day;
  const length = dated[dated.length - 1]!.day - startDay + 1;
  if (length > MAX_SPAN_DAYS) {
    throw new ForecastInputError(
      'series_too_long',
      `the series spans ${length} days from first to last date; at most ${MAX_SPAN_DAYS} are accepted`,
      { spanDays: length, maxSpanDays: MAX_SPAN_DAYS },
    );
  }
  const values = new Float64Array(length).fill(Number.NaN);
  const hours = new Float64Array(length).fill(Number.NaN);
  for (const point of dated) {
    values[point.day - startDay] = point.value;
    hours[point.day - startDay] = point.hours;
  }
  return classifyDays(startDay, values, hours, options);
}

function classifyDays(
  startDay: number,
  values: Float64Array,
  hours: Float64Array,
  options: SeriesPreparationOptions,
): PreparedSeries {
  const length = values.length;
  const positive: number[] = [];
  for (const value of values) if (value > 0) positive.push(value);
  positive.sort((left, right) => left - right);
  const typical = positive.length > 0 ? positive[Math.floor(positive.length / 2)]! : 0;
  const shutInThreshold = (options.shutInFraction ?? 0.01) * typical;
  const minRateHours = options.minRateHours ?? 6;
  const scaleByHours = (options.rateBasis ?? 'hours') === 'hours';

  const status = new Uint8Array(length);
  const rates = new Float64Array(length).fill(Number.NaN);
  for (let index = 0; index < length; index++) {
    const value = values[index]!;
    if (Number.isNaN(value)) continue;
    const dayHours = hours[index]!;
    if (value <= shutInThreshold || dayHours === 0) {
      status[index] = DayStatus.shutIn;
      continue;
    }
    status[index] = DayStatus.producing;
    if (Number.isNaN(dayHours) || !scaleByHours) rates[index] = value;
    else if (dayHours >= minRateHours) rates[index] = (value * 24) / dayHours;
  }
  return { startDay, length, values, hours, status, rates, shutInThreshold };
}

/** The first `end` days of a prepared series, re-classified using only those days (no look-ahead). */
export function truncateSeries(
  series: PreparedSeries,
  end: number,
  options: SeriesPreparationOptions = {},
): PreparedSeries {
  return classifyDays(series.startDay, series.values.slice(0, end), series.hours.slice(0, end), options);
}
