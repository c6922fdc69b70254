/**
 * The library leg of date understanding: `chrono-node` (English and Spanish parsers) reads the date
 * phrases the domain rules in `understand.ts` left over ("March 3rd 2015", "15.03.2015", "a week ago",
 * "1 de enero"), relative to the data's as-of date. Domain conventions still apply to its results: a day
 * or month without a year is the most recent one not after the as-of date, a phrase known to the month
 * only is that calendar month, one known to the year only is that calendar year.
 */
import * as chrono from 'chrono-node';
import { addDays, endOfMonth } from '../../../dates.js';
import type { Language } from '../types.js';

const TIME_OF_DAY_ONLY =
  /^(?:(?:this|esta|esta\s+misma|la)\s+)?(?:now|morning|afternoon|evening|tonight|night|noon|ahora|manana|tarde|noche|mediodia)$/;

/** A date phrase found by the library, with its span in the text it was read from. */
export interface LibraryRange {
  from: string;
  to: string;
  start: number;
  end: number;
}

function minusYears(date: string, years: number): string {
  return `${Number(date.slice(0, 4)) - years}${date.slice(4)}`;
}

function rangeOfComponent(
  component: chrono.ParsedComponents,
  today: string,
): { from: string; to: string } | null {
  const year = component.get('year');
  const month = component.get('month');
  const dayOfMonth = component.get('day');
  if (year === null || month === null) return null;
  const pad = (value: number) => String(value).padStart(2, '0');
  let from: string;
  let to: string;
  if (component.isCertain('day') || component.isCertain('weekday') || !component.isCertain('month')) {
    if (!component.isCertain('day') && !component.isCertain('weekday') && !component.isCertain('month')) {
      if (!component.isCertain('year')) return null;
      return { from: `${year}-01-01`, to: `${year}-12-31` };
    }
    from = `${year}-${pad(month)}-${pad(dayOfMonth ?? 1)}`;
    to = from;
  } else {
    from = `${year}-${pad(month)}-01`;
    to = endOfMonth(from);
  }
  if (!component.isCertain('year') && from > today) {
    const single = to === from;
    from = minusYears(from, 1);
    to = single ? from : endOfMonth(`${minusYears(to, 1).slice(0, 8)}01`);
  }
  return { from, to };
}

/**
 * Date phrases `chrono-node` finds in `text` (lower-case, accent-folded; other phrases already blanked),
 * as inclusive calendar ranges relative to `today`. Times of day are ignored; a range ("from … to …")
 * covers both ends.
 */
export function libraryRanges(text: string, today: string, language: Language): LibraryRange[] {
  if (!/[\p{L}\p{N}]/u.test(text)) return [];
  const reference = { instant: new Date(`${today}T12:00:00Z`), timezone: 0 };
  const parsers = language === 'es' ? [chrono.es, chrono.en] : [chrono.en, chrono.es];
  const found: LibraryRange[] = [];
  for (const parser of parsers) {
    for (const result of parser.parse(text, reference)) {
      const start = result.index;
      const end = start + result.text.length;
      if (found.some((other) => start < other.end && other.start < end)) continue;
      const phrase = result.text.trim();
      if (/^\d{1,3}$/.test(phrase) || TIME_OF_DAY_ONLY.test(phrase)) continue;
      if (!/\d/.test(phrase) && !/\b(?:ago|hace)\b/.test(phrase)) continue;
      const first = rangeOfComponent(result.start, today);
      if (!first) continue;
      const last = result.end ? rangeOfComponent(result.end, today) : null;
      const range = last && last.to >= first.from ? { from: first.from, to: last.to } : first;
      if (range.from > addDays(today, 400)) continue;
      found.push({ ...range, start, end });
    }
  }
  return found;
}
