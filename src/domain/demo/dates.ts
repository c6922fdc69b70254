const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 (UTC) of a `YYYY-MM-DD` date; throws a RangeError on anything else. */
export function parseIsoDate(value: string): number {
  const match = ISO_DATE.exec(value);
  if (!match) throw new RangeError(`expected a YYYY-MM-DD date, got ${JSON.stringify(value)}`);
  const epochMs = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const day = epochMs / DAY_MS;
  if (formatEpochDay(day) !== value) throw new RangeError(`not a calendar date: ${value}`);
  return day;
}

/** `YYYY-MM-DD` of an epoch day. */
export const formatEpochDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** `YYYYMMDD` of an epoch day (for identifiers). */
export const compactEpochDay = (day: number): string => formatEpochDay(day).replaceAll('-', '');

/** ISO timestamp without zone (`YYYY-MM-DDTHH:MM:SS`) at `hours` (fractional, may exceed 24) after midnight. */
export function formatTimestamp(day: number, hours: number): string {
  const minutes = Math.round(hours * 60);
  return new Date(day * DAY_MS + minutes * 60_000).toISOString().slice(0, 19);
}

/** `YYYY-MM-DD` shifted by `days`. */
export const addDays = (date: string, days: number): string => formatEpochDay(parseIsoDate(date) + days);

/** Day of week of an epoch day, 0 = Sunday … 6 = Saturday. */
export const dayOfWeek = (day: number): number => (((day + 4) % 7) + 7) % 7;

/** Calendar year and month (1–12) of an epoch day. */
export function yearMonth(day: number): { year: number; month: number } {
  const date = new Date(day * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1 };
}

/** Epoch day of `year`-`month`-`dayOfMonth`. */
export const epochDayOf = (year: number, month: number, dayOfMonth: number): number =>
  Date.UTC(year, month - 1, dayOfMonth) / DAY_MS;
