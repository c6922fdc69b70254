/** Decimal mark of numbers in a CSV: `.` (thousands `,`) or `,` (thousands `.` or a space). */
export type DecimalMark = '.' | ',';

/** Outcome of converting one cell: a value, or why it could not be read. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const PLAIN_NUMBER = {
  '.': /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/,
  ',': /^[+-]?(?:\d+(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?$/,
} as const;
const GROUPED_NUMBER = {
  '.': /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$/,
  ',': /^[+-]?\d{1,3}(?:([. \u00A0\u202F])\d{3})(?:\1\d{3})*(?:,\d*)?$/,
} as const;

/**
 * Reads a number written as `1234.5`, `-1.2e3` or with thousands separators (`"90,439"`, `1,234.5`); with
 * `decimal: ','` as `1234,5` or `1.234,5`. Anything else (text, `NaN`, `1,5` with `.` decimals) is an error.
 */
export function parseNumber(text: string, decimal: DecimalMark = '.'): Parsed<number> {
  let normalised: string | null = null;
  if (PLAIN_NUMBER[decimal].test(text)) normalised = decimal === ',' ? text.replace(',', '.') : text;
  else if (GROUPED_NUMBER[decimal].test(text))
    normalised =
      decimal === ',' ? text.replace(/[. \u00A0\u202F]/g, '').replace(',', '.') : text.replace(/,/g, '');
  if (normalised === null) return { ok: false, message: `${JSON.stringify(text)} is not a number` };
  const value = Number(normalised);
  if (!Number.isFinite(value)) return { ok: false, message: `${JSON.stringify(text)} is out of range` };
  return { ok: true, value };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

type DatePart = 'year' | 'year2' | 'month' | 'monthName' | 'day' | 'hour' | 'minute' | 'second' | 'fraction';

const TOKENS: ReadonlyArray<readonly [string, DatePart, string]> = [
  ['YYYY', 'year', '(\\d{4})'],
  ['MMMM', 'monthName', '([A-Za-z]{3,9})'],
  ['MMM', 'monthName', '([A-Za-z]{3})'],
  ['YY', 'year2', '(\\d{2})'],
  ['MM', 'month', '(\\d{2})'],
  ['DD', 'day', '(\\d{2})'],
  ['HH', 'hour', '(\\d{2})'],
  ['mm', 'minute', '(\\d{2})'],
  ['ss', 'second', '(\\d{2})'],
  ['SSS', 'fraction', '(\\d{1,9})'],
  ['M', 'month', '(\\d{1,2})'],
  ['D', 'day', '(\\d{1,2})'],
  ['H', 'hour', '(\\d{1,2})'],
];

const TIME_PARTS = new Set<DatePart>(['hour', 'minute', 'second', 'fraction']);

/** A compiled date/time format; `parse` yields epoch milliseconds (UTC, the warehouse has no zones). */
export interface DateFormat {
  readonly pattern: string;
  readonly hasTime: boolean;
  parse(text: string): Parsed<number>;
}

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Compiles a date format: `iso` (`YYYY-MM-DD`, optionally with a time and a `Z`/`±HH:MM` offset, which is
 * converted to UTC) or a pattern of the tokens `YYYY YY MMMM MMM MM M DD D HH H mm ss SSS`; other characters
 * are literal. `YY` maps 00–68 to 2000–2068 and 69–99 to 1969–1999; month names are English, any case.
 * Throws with a readable message when the pattern is unusable.
 */
export function compileDateFormat(pattern: string): DateFormat {
  if (pattern === 'iso') return { pattern, hasTime: true, parse: parseIsoDateTime };
  const parts: DatePart[] = [];
  let regex = '^';
  let index = 0;
  while (index < pattern.length) {
    const token = TOKENS.find(([name]) => pattern.startsWith(name, index));
    if (token) {
      const [name, part, group] = token;
      if (parts.includes(part) || (part.startsWith('year') && parts.some((seen) => seen.startsWith('year'))))
        throw new Error(`date format ${JSON.stringify(pattern)} repeats ${name}`);
      parts.push(part);
      regex += group;
      index += name.length;
    } else {
      regex += escapeRegex(pattern[index] as string);
      index += 1;
    }
  }
  const hasYear = parts.includes('year') || parts.includes('year2');
  const hasMonth = parts.includes('month') || parts.includes('monthName');
  if (!hasYear || !hasMonth || !parts.includes('day'))
    throw new Error(
      `date format ${JSON.stringify(pattern)} needs a year (YYYY or YY), a month and a day (DD)`,
    );
  const compiled = new RegExp(`${regex}$`);
  return {
    pattern,
    hasTime: parts.some((part) => TIME_PARTS.has(part)),
    parse(text) {
      const match = compiled.exec(text);
      if (!match)
        return { ok: false, message: `${JSON.stringify(text)} does not match the date format ${pattern}` };
      const fields: Partial<Record<DatePart, string>> = {};
      parts.forEach((part, position) => {
        fields[part] = match[position + 1];
      });
      let month = fields.month === undefined ? 0 : Number(fields.month);
      if (fields.monthName !== undefined) {
        const name = fields.monthName.toLowerCase();
        month = (name.length === 3 ? MONTHS.indexOf(name) : MONTH_NAMES.indexOf(name)) + 1;
        if (month === 0) return { ok: false, message: `${JSON.stringify(text)} has an unknown month name` };
      }
      const year = fields.year !== undefined ? Number(fields.year) : expandTwoDigitYear(Number(fields.year2));
      return buildTimestamp(text, year, month, Number(fields.day), fields);
    },
  };
}

function parseIsoDateTime(text: string): Parsed<number> {
  const match = ISO_DATE.exec(text);
  if (!match) return { ok: false, message: `${JSON.stringify(text)} is not an ISO date (YYYY-MM-DD)` };
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const local = buildTimestamp(text, Number(year), Number(month), Number(day), {
    hour,
    minute,
    second,
    fraction,
  });
  if (!local.ok || zone === undefined || zone === 'Z') return local;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return { ok: true, value: local.value - sign * offsetMinutes * 60_000 };
}

function buildTimestamp(
  text: string,
  year: number,
  month: number,
  day: number,
  time: Partial<Record<DatePart, string>>,
): Parsed<number> {
  const hour = Number(time.hour ?? 0);
  const minute = Number(time.minute ?? 0);
  const second = Number(time.second ?? 0);
  const milliseconds = time.fraction ? Number(`0.${time.fraction}`) * 1000 : 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    return { ok: false, message: `${JSON.stringify(text)} is not a valid calendar date` };
  if (hour > 24 || minute > 59 || second > 59 || (hour === 24 && minute + second + milliseconds > 0))
    return { ok: false, message: `${JSON.stringify(text)} is not a valid time of day` };
  return { ok: true, value: Date.UTC(year, month - 1, day, hour, minute, second) + milliseconds };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function expandTwoDigitYear(year: number): number {
  return year <= 68 ? 2000 + year : 1900 + year;
}

function escapeRegex(character: string): string {
  return /[\\^$.*+?()[\]{}|]/.test(character) ? `\\${character}` : character;
}

const MS_PER_DAY = 86_400_000;

/** Epoch milliseconds → `YYYY-MM-DD` (UTC). */
export const isoDateOf = (epochMs: number): string => new Date(epochMs).toISOString().slice(0, 10);

/** Epoch milliseconds → whole days since 1970-01-01. */
export const epochDayOf = (epochMs: number): number => Math.floor(epochMs / MS_PER_DAY);

/** True when the epoch-millisecond instant is midnight UTC. */
export const isMidnight = (epochMs: number): boolean => epochMs % MS_PER_DAY === 0;
