/** ISO calendar-date helpers (UTC, `YYYY-MM-DD`), shared by the domain modules. */

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date in `YYYY-MM-DD` form (rejects 2025-02-30). */
export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day <= daysInMonth;
}

/** Days since 1970-01-01 of an ISO date. */
export const toEpochDay = (value: string): number => Math.round(Date.parse(`${value}T00:00:00Z`) / DAY_MS);

/** ISO date of an epoch day. */
export const fromEpochDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Adds (or subtracts) whole days. */
export const addDays = (value: string, days: number): string => fromEpochDay(toEpochDay(value) + days);

/** Inclusive number of days from `from` to `to`. */
export const daysBetween = (from: string, to: string): number => toEpochDay(to) - toEpochDay(from) + 1;

/** Same calendar day one year earlier (29 Feb → 28 Feb). */
export function minusOneYear(value: string): string {
  const [year, month, day] = value.split('-').map(Number) as [number, number, number];
  const candidate = `${String(year - 1).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return isIsoDate(candidate) ? candidate : addDays(`${candidate.slice(0, 8)}01`, 27);
}

/** First day of the month of `value`. */
export const startOfMonth = (value: string): string => `${value.slice(0, 7)}-01`;

/** Last day of the month of `value`. */
export function endOfMonth(value: string): string {
  const [year, month] = value.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
}

/** Every date from `from` to `to`, inclusive. */
export function dateRange(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = toEpochDay(from); day <= toEpochDay(to); day += 1) days.push(fromEpochDay(day));
  return days;
}

/** Hours of overlap between a timestamp interval and a calendar day (timestamps as ISO without zone, UTC). */
export function overlapHoursOnDay(start: string, end: string, day: string): number {
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  const dayEnd = dayStart + DAY_MS;
  const from = Math.max(Date.parse(`${start}Z`), dayStart);
  const to = Math.min(Date.parse(`${end}Z`), dayEnd);
  return Math.max(0, (to - from) / 3_600_000);
}
