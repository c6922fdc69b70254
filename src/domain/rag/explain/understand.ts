/**
 * Question understanding: the deterministic, bilingual (English/Spanish) reading of an operator's "why"
 * question into sites, assets, products, a date range and a comparison, plus the schema that validates the
 * same structure when a model produces it.
 *
 * Date conventions (all relative to `today`, the data's as-of date, inclusive ranges):
 * - "last week" / "la semana pasada": the previous calendar week, Monday to Sunday;
 *   "the past week" / "la última semana": the 7 days ending today.
 * - "last N days" / "últimos N días": the N days ending today (today included).
 * - "in March" / "en marzo" without a year: the most recent March not after today (capped at today).
 * - "March 14" / "el 14 de marzo" without a year: the most recent such day not after today.
 * - "Monday" / "el lunes": the most recent Monday on or before today ("last Monday": strictly before).
 * - Several time phrases in one question are merged into one range covering them all.
 */
import { z } from 'zod';
import { addDays, endOfMonth, isIsoDate, startOfMonth, toEpochDay } from '../../dates.js';
import { detectLanguage, foldText } from './language.js';
import { libraryRanges } from './plan/dates.js';
import type { ExplainComparison, Language, QuestionUnderstanding } from './types.js';

/** A site the parser can recognise. */
export interface SiteMember {
  id: string;
  name: string;
}

/** An asset the parser can recognise. */
export interface AssetMember {
  id: string;
  name: string;
  site_id: string;
}

/** A product the parser can recognise. */
export interface ProductMember {
  id: string;
  name: string;
}

/** The dimension members questions are matched against. */
export interface UnderstandMembers {
  sites: readonly SiteMember[];
  assets: readonly AssetMember[];
  products: readonly ProductMember[];
}

/** Inputs of {@link understandQuestion}. */
export interface UnderstandOptions {
  /** The data's as-of date (`YYYY-MM-DD`); relative dates resolve against it. */
  today: string;
  members: UnderstandMembers;
}

interface DateRange {
  from: string;
  to: string;
}

interface DateContext {
  today: string;
  language: Language;
}

interface DateRule {
  pattern: RegExp;
  resolve: (match: RegExpExecArray, context: DateContext) => DateRange | null;
}

interface FoundRange extends DateRange {
  start: number;
  end: number;
}

const BEFORE = '(?<![\\p{L}\\p{N}])';
const AFTER = '(?![\\p{L}\\p{N}])';

/** A global, unicode, word-bounded pattern over folded (lower-case, accent-free) text. */
const bounded = (body: string): RegExp => new RegExp(`${BEFORE}(?:${body})${AFTER}`, 'gu');

const EN_MONTHS: Record<string, number> = {
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  may: 5,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
};
const EN_MONTH_ABBREVIATIONS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const ES_MONTHS: Record<string, number> = {
  enero: 1,
  febrero: 2,
  marzo: 3,
  abril: 4,
  mayo: 5,
  junio: 6,
  julio: 7,
  agosto: 8,
  septiembre: 9,
  setiembre: 9,
  octubre: 10,
  noviembre: 11,
  diciembre: 12,
};
const ALL_MONTHS: Record<string, number> = { ...EN_MONTHS, ...EN_MONTH_ABBREVIATIONS, ...ES_MONTHS };

const alternation = (words: Iterable<string>): string =>
  [...words].sort((left, right) => right.length - left.length).join('|');

const EN_MONTH_NAMES = alternation([...Object.keys(EN_MONTHS), ...Object.keys(EN_MONTH_ABBREVIATIONS)]);
const EN_FULL_MONTH_NAMES = alternation(Object.keys(EN_MONTHS));
const ES_MONTH_NAMES = alternation(Object.keys(ES_MONTHS));

const WEEKDAYS: Record<string, number> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  domingo: 0,
  lunes: 1,
  martes: 2,
  miercoles: 3,
  jueves: 4,
  viernes: 5,
  sabado: 6,
};

const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  fourteen: 14,
  fifteen: 15,
  thirty: 30,
  un: 1,
  uno: 1,
  una: 1,
  dos: 2,
  tres: 3,
  cuatro: 4,
  cinco: 5,
  seis: 6,
  siete: 7,
  ocho: 8,
  nueve: 9,
  diez: 10,
  catorce: 14,
  quince: 15,
  treinta: 30,
};
const COUNT = `\\d{1,3}|${alternation(Object.keys(NUMBER_WORDS))}`;

const parseCount = (text: string): number => NUMBER_WORDS[text] ?? Number(text);

const day = (date: string): DateRange => ({ from: date, to: date });
const pad = (value: number): string => String(value).padStart(2, '0');

/** Days since the Monday of the week of `date` (0 on Mondays). */
const daysSinceMonday = (date: string): number => (((toEpochDay(date) + 3) % 7) + 7) % 7;

function shiftMonths(date: string, months: number): string {
  const [year, month, dayOfMonth] = date.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(year, month - 1 + months, 1)).toISOString().slice(0, 10);
  const lastDay = Number(endOfMonth(first).slice(8));
  return `${first.slice(0, 8)}${pad(Math.min(dayOfMonth, lastDay))}`;
}

function calendarDay(
  year: number | undefined,
  month: number,
  dayOfMonth: number,
  today: string,
): string | null {
  const todayYear = Number(today.slice(0, 4));
  const build = (candidateYear: number) => `${candidateYear}-${pad(month)}-${pad(dayOfMonth)}`;
  if (year !== undefined) return isIsoDate(build(year)) ? build(year) : null;
  const thisYear = build(todayYear);
  if (isIsoDate(thisYear) && thisYear <= today) return thisYear;
  const lastYear = build(todayYear - 1);
  return isIsoDate(lastYear) ? lastYear : null;
}

function calendarMonth(year: number | undefined, month: number, today: string): DateRange {
  const todayYear = Number(today.slice(0, 4));
  const todayMonth = Number(today.slice(5, 7));
  const resolvedYear = year ?? (month > todayMonth ? todayYear - 1 : todayYear);
  const from = `${resolvedYear}-${pad(month)}-01`;
  const to = endOfMonth(from);
  return { from, to: from <= today && today < to ? today : to };
}

const quarterOf = (date: string): number => Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1;

function calendarQuarter(year: number | undefined, quarter: number, today: string): DateRange {
  const todayYear = Number(today.slice(0, 4));
  let resolvedYear = year ?? todayYear;
  const firstMonth = (quarter - 1) * 3 + 1;
  if (year === undefined && `${resolvedYear}-${pad(firstMonth)}-01` > today) resolvedYear -= 1;
  const from = `${resolvedYear}-${pad(firstMonth)}-01`;
  return { from, to: endOfMonth(`${resolvedYear}-${pad(firstMonth + 2)}-01`) };
}

function pastSpan(count: number, unit: string, today: string): DateRange | null {
  if (count < 1 || count > 3660) return null;
  if (unit.startsWith('mes') || unit.startsWith('month')) {
    return { from: addDays(shiftMonths(today, -count), 1), to: today };
  }
  const days = unit.startsWith('week') || unit.startsWith('semana') ? count * 7 : count;
  return { from: addDays(today, 1 - days), to: today };
}

function futureSpan(count: number, unit: string, today: string): DateRange | null {
  if (count < 1 || count > 3660) return null;
  if (unit.startsWith('mes') || unit.startsWith('month')) {
    return { from: addDays(today, 1), to: shiftMonths(today, count) };
  }
  const days = unit.startsWith('week') || unit.startsWith('semana') ? count * 7 : count;
  return { from: addDays(today, 1), to: addDays(today, days) };
}

const optionalYear = (value: string | undefined): number | undefined =>
  value === undefined ? undefined : Number(value);

/** Date phrases in the order they are tried; each match is blanked out before the next rule runs. */
const DATE_RULES: readonly DateRule[] = [
  {
    pattern: bounded('(\\d{4})-(\\d{2})-(\\d{2})'),
    resolve: (match) => (isIsoDate(match[0]) ? day(match[0]) : null),
  },
  {
    pattern: bounded('(\\d{1,2})/(\\d{1,2})/(\\d{4})'),
    resolve: (match, { language }) => {
      const [first, second] = [Number(match[1]), Number(match[2])];
      const [month, dayOfMonth] = language === 'es' || first > 12 ? [second, first] : [first, second];
      const date = `${match[3]}-${pad(month)}-${pad(dayOfMonth)}`;
      return isIsoDate(date) ? day(date) : null;
    },
  },
  {
    pattern: bounded(`(${alternation(Object.keys(EN_MONTH_ABBREVIATIONS))})\\.?\\s+(\\d{4})`),
    resolve: (match, { today }) => calendarMonth(Number(match[2]), EN_MONTH_ABBREVIATIONS[match[1]!]!, today),
  },
  {
    pattern: bounded(
      '(?:(?:in|during|for|en|durante|el)\\s+)?(?:the\\s+)?(?:q([1-4])|(first|second|third|fourth|1st|2nd|3rd|4th)\\s+quarter|(primer|segundo|tercer|cuarto)\\s+trimestre)(?:\\s+(?:of\\s+|de\\s+|del\\s+)?(\\d{4}))?',
    ),
    resolve: (match, { today }) => {
      const ordinal = match[1] ?? match[2] ?? match[3] ?? '';
      const quarter =
        Number(match[1]) ||
        ({ first: 1, '1st': 1, primer: 1, second: 2, '2nd': 2, segundo: 2, third: 3, '3rd': 3, tercer: 3 }[
          ordinal
        ] ??
          4);
      return calendarQuarter(optionalYear(match[4]), quarter, today);
    },
  },
  {
    pattern: bounded(`(?:on\\s+)?(${EN_MONTH_NAMES})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?(?:,?\\s+(\\d{4}))?`),
    resolve: (match, { today }) => {
      const date = calendarDay(optionalYear(match[3]), ALL_MONTHS[match[1]!]!, Number(match[2]), today);
      return date ? day(date) : null;
    },
  },
  {
    pattern: bounded(
      `(?:on\\s+)?(?:the\\s+)?(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?(${EN_MONTH_NAMES})(?:,?\\s+(\\d{4}))?`,
    ),
    resolve: (match, { today }) => {
      const date = calendarDay(optionalYear(match[3]), ALL_MONTHS[match[2]!]!, Number(match[1]), today);
      return date ? day(date) : null;
    },
  },
  {
    pattern: bounded(
      '(?:del|desde\\s+el|entre\\s+el)\\s+(\\d{1,2})\\s+(?:al|hasta\\s+el|y\\s+el)\\s+(\\d{1,2})\\s+de\\s+' +
        `(${ES_MONTH_NAMES})(?:\\s+(?:de|del)\\s+(\\d{4}))?`,
    ),
    resolve: (match, { today }) => {
      const month = ES_MONTHS[match[3]!]!;
      const to = calendarDay(optionalYear(match[4]), month, Number(match[2]), today);
      if (!to) return null;
      const from = calendarDay(Number(to.slice(0, 4)), month, Number(match[1]), today);
      return from && from <= to ? { from, to } : null;
    },
  },
  {
    pattern: bounded(`(?:el\\s+)?(\\d{1,2})\\s+de\\s+(${ES_MONTH_NAMES})(?:\\s+(?:de|del)\\s+(\\d{4}))?`),
    resolve: (match, { today }) => {
      const date = calendarDay(optionalYear(match[3]), ES_MONTHS[match[2]!]!, Number(match[1]), today);
      return date ? day(date) : null;
    },
  },
  {
    pattern: bounded(
      `(?:(in|during|for|of|throughout|since|over)\\s+)?(${EN_FULL_MONTH_NAMES})(?:,?\\s+(\\d{4}))?`,
    ),
    resolve: (match, { today }) => {
      if (match[2] === 'may' && match[1] === undefined && match[3] === undefined) return null;
      return calendarMonth(optionalYear(match[3]), EN_MONTHS[match[2]!]!, today);
    },
  },
  {
    pattern: bounded(
      `(?:(?:en|durante|de|del)\\s+)?(${ES_MONTH_NAMES})(?:\\s+(?:de|del)\\s+(\\d{4})|\\s+(\\d{4}))?`,
    ),
    resolve: (match, { today }) =>
      calendarMonth(optionalYear(match[2] ?? match[3]), ES_MONTHS[match[1]!]!, today),
  },
  {
    pattern: bounded('(?:the\\s+)?day\\s+before\\s+yesterday|antes\\s+de\\s+ayer|anteayer|antier'),
    resolve: (_match, { today }) => day(addDays(today, -2)),
  },
  { pattern: bounded('yesterday|ayer'), resolve: (_match, { today }) => day(addDays(today, -1)) },
  { pattern: bounded('today|hoy'), resolve: (_match, { today }) => day(today) },
  {
    pattern: bounded('tomorrow|(?<!(?:la|esta|una|cada|por|de)\\s)manana'),
    resolve: (_match, { today }) => day(addDays(today, 1)),
  },
  {
    pattern: bounded(
      `(?:(?:in|over|during|for)\\s+)?(?:the\\s+)?(?:last|past|previous|prior)\\s+(${COUNT})\\s+(days?|weeks?|months?)`,
    ),
    resolve: (match, { today }) => pastSpan(parseCount(match[1]!), match[2]!, today),
  },
  {
    pattern: bounded(
      `(?:(?:en|durante)\\s+)?(?:(?:los|las)\\s+)?(?:ultim[oa]s|pasad[oa]s)\\s+(${COUNT})\\s+(dias?|semanas?|mes(?:es)?)`,
    ),
    resolve: (match, { today }) => pastSpan(parseCount(match[1]!), match[2]!, today),
  },
  {
    pattern: bounded(
      `(?:(?:in|over|during|for)\\s+)?(?:the\\s+)?(?:next|coming|following)\\s+(${COUNT})\\s+(days?|weeks?|months?)`,
    ),
    resolve: (match, { today }) => futureSpan(parseCount(match[1]!), match[2]!, today),
  },
  {
    pattern: bounded(
      `(?:(?:en|durante)\\s+)?(?:(?:los|las)\\s+)?(?:proxim[oa]s|siguientes)\\s+(${COUNT})\\s+(dias?|semanas?|mes(?:es)?)`,
    ),
    resolve: (match, { today }) => futureSpan(parseCount(match[1]!), match[2]!, today),
  },
  {
    pattern: bounded(
      '(?:(?:in|over|during)\\s+)?the\\s+(?:last|past)\\s+week|past\\s+week|(?:en\\s+|durante\\s+)?la\\s+ultima\\s+semana',
    ),
    resolve: (_match, { today }) => ({ from: addDays(today, -6), to: today }),
  },
  {
    pattern: bounded(
      '(?:(?:in|over|during)\\s+)?the\\s+(?:last|past)\\s+month|past\\s+month|(?:en\\s+|durante\\s+)?el\\s+ultimo\\s+mes',
    ),
    resolve: (_match, { today }) => ({ from: addDays(shiftMonths(today, -1), 1), to: today }),
  },
  {
    pattern: bounded('(?:last|previous|prior)\\s+week|(?:la\\s+)?semana\\s+(?:pasada|anterior)'),
    resolve: (_match, { today }) => {
      const monday = addDays(today, -daysSinceMonday(today) - 7);
      return { from: monday, to: addDays(monday, 6) };
    },
  },
  {
    pattern: bounded(
      'this\\s+week|week\\s+to\\s+date|esta\\s+semana|(?:en\\s+)?lo\\s+que\\s+va\\s+de\\s+(?:la\\s+)?semana',
    ),
    resolve: (_match, { today }) => ({ from: addDays(today, -daysSinceMonday(today)), to: today }),
  },
  {
    pattern: bounded(
      'next\\s+week|(?:la\\s+)?(?:proxima\\s+semana|semana\\s+(?:que\\s+viene|proxima|siguiente))',
    ),
    resolve: (_match, { today }) => {
      const monday = addDays(today, 7 - daysSinceMonday(today));
      return { from: monday, to: addDays(monday, 6) };
    },
  },
  {
    pattern: bounded(
      'this\\s+month|month\\s+to\\s+date|este\\s+mes|(?:en\\s+)?lo\\s+que\\s+va\\s+del\\s+mes',
    ),
    resolve: (_match, { today }) => ({ from: startOfMonth(today), to: today }),
  },
  {
    pattern: bounded('(?:last|previous|prior)\\s+month|(?:el\\s+)?mes\\s+(?:pasado|anterior)'),
    resolve: (_match, { today }) => {
      const from = startOfMonth(shiftMonths(startOfMonth(today), -1));
      return { from, to: endOfMonth(from) };
    },
  },
  {
    pattern: bounded('next\\s+month|(?:el\\s+)?(?:proximo\\s+mes|mes\\s+(?:que\\s+viene|proximo|siguiente))'),
    resolve: (_match, { today }) => {
      const from = shiftMonths(startOfMonth(today), 1);
      return { from, to: endOfMonth(from) };
    },
  },
  {
    pattern: bounded(
      'this\\s+year|year\\s+to\\s+date|ytd|este\\s+ano|(?:en\\s+)?lo\\s+que\\s+va\\s+del\\s+ano',
    ),
    resolve: (_match, { today }) => ({ from: `${today.slice(0, 4)}-01-01`, to: today }),
  },
  {
    pattern: bounded('(?:last|previous|prior)\\s+year|(?:el\\s+)?ano\\s+(?:pasado|anterior)'),
    resolve: (_match, { today }) => {
      const year = Number(today.slice(0, 4)) - 1;
      return { from: `${year}-01-01`, to: `${year}-12-31` };
    },
  },
  {
    pattern: bounded(
      'mtd|month[\\s-]+to[\\s-]+date|qtd|quarter[\\s-]+to[\\s-]+date|this\\s+quarter|este\\s+trimestre|(?:en\\s+)?lo\\s+que\\s+va\\s+del\\s+trimestre',
    ),
    resolve: (match, { today }) =>
      /^(?:mtd|month)/.test(match[0])
        ? { from: startOfMonth(today), to: today }
        : { from: calendarQuarter(Number(today.slice(0, 4)), quarterOf(today), today).from, to: today },
  },
  {
    pattern: bounded('(?:last|previous|prior)\\s+quarter|(?:el\\s+)?trimestre\\s+(?:pasado|anterior)'),
    resolve: (_match, { today }) => {
      const quarter = quarterOf(today);
      const year = Number(today.slice(0, 4));
      return quarter === 1 ? calendarQuarter(year - 1, 4, today) : calendarQuarter(year, quarter - 1, today);
    },
  },
  {
    pattern: bounded(
      '(?:(?:in|over|during)\\s+)?(?:the\\s+)?(?:recent|last\\s+(?:few|several|couple\\s+of)|past\\s+(?:few|several))\\s+(months|weeks|days)|' +
        '(?:(?:en|durante)\\s+)?(?:los|las)\\s+(?:ultim[oa]s|pasad[oa]s)\\s+(meses|semanas|dias)|(?:ultim[oa]s|pasad[oa]s)\\s+(meses|semanas|dias)',
    ),
    resolve: (match, { today }) => {
      const unit = match[1] ?? match[2] ?? match[3] ?? 'months';
      return pastSpan(unit.startsWith('d') ? 7 : 3, unit, today);
    },
  },
  {
    pattern: bounded(
      `(${COUNT})\\s+(days?|weeks?|months?)\\s+ago|hace\\s+(${COUNT})\\s+(dias?|semanas?|mes(?:es)?)`,
    ),
    resolve: (match, { today }) => {
      const count = parseCount(match[1] ?? match[3]!);
      const unit = match[2] ?? match[4]!;
      if (unit.startsWith('d')) return day(addDays(today, -count));
      if (unit.startsWith('w') || unit.startsWith('s')) {
        const monday = addDays(today, -daysSinceMonday(today) - 7 * count);
        return { from: monday, to: addDays(monday, 6) };
      }
      const from = startOfMonth(shiftMonths(startOfMonth(today), -count));
      return { from, to: endOfMonth(from) };
    },
  },
  {
    pattern: bounded(
      '(?:on\\s+)?the\\s+(\\d{1,2})(?:st|nd|rd|th)|(?:el\\s+)?dia\\s+(\\d{1,2})|el\\s+(\\d{1,2})(?!\\s*(?:%|de\\s|dias?|semanas?|mes))',
    ),
    resolve: (match, { today }) => {
      const dayOfMonth = Number(match[1] ?? match[2] ?? match[3]);
      const thisMonth = `${today.slice(0, 8)}${pad(dayOfMonth)}`;
      if (isIsoDate(thisMonth) && thisMonth <= today) return day(thisMonth);
      const previous = `${shiftMonths(startOfMonth(today), -1).slice(0, 8)}${pad(dayOfMonth)}`;
      return isIsoDate(previous) ? day(previous) : null;
    },
  },
  {
    pattern: bounded(
      '(?:(?:in|during|for|of|throughout|since|en|durante|del|de|el\\s+ano|year)\\s+)?((?:19|20)\\d{2})',
    ),
    resolve: (match, { today }) => {
      const year = Number(match[1]);
      if (year > Number(today.slice(0, 4)) + 5) return null;
      return { from: `${year}-01-01`, to: `${year}-12-31` };
    },
  },
  {
    pattern: bounded(`(?:(on|last|el)\\s+)?(${alternation(Object.keys(WEEKDAYS))})(?:\\s+(pasado))?`),
    resolve: (match, { today }) => {
      const strictlyBefore = match[1] === 'last' || match[3] === 'pasado';
      const back = (daysSinceMonday(today) + 1 - WEEKDAYS[match[2]!]! + 7) % 7;
      return day(addDays(today, back === 0 && strictlyBefore ? -7 : -back));
    },
  },
];

const PREVIOUS_PERIOD_PATTERNS: readonly RegExp[] = [
  bounded(
    '(?:than|compared\\s+(?:to|with)|relative\\s+to|versus|vs\\.?|against)\\s+(?:the\\s+|a\\s+)?' +
      '(?:(?:previous|prior|preceding|last)\\s+(?:day|week|month|quarter|year|period|\\d+\\s+days)' +
      '|(?:day|week|month|period)\\s+before|yesterday|previous|prior|before)',
  ),
  bounded('(?:day|week|month|year|period)[\\s-]+(?:over|on)[\\s-]+(?:day|week|month|year|period)'),
  bounded('(?:previous|prior|preceding)\\s+period'),
  new RegExp(
    `(?<=${BEFORE}(?:mas|menos|peor|mejor|mayor|menor|inferior|superior)${AFTER}[^.?!]{0,60})` +
      `${BEFORE}que\\s+(?:(?:el|la|los|las|lo)\\s+)?` +
      `(?:(?:dia|semana|mes|trimestre|ano|periodo)\\s+(?:anterior|pasad[oa]|previ[oa])|ayer|antes)${AFTER}`,
    'gu',
  ),
  bounded(
    '(?:comparad[oa]s?\\s+con|frente\\s+a|respecto\\s+(?:a|al|de|del)|en\\s+comparacion\\s+con|contra|vs\\.?|versus)' +
      '\\s+(?:(?:el|la|los|las|lo)\\s+)?' +
      '(?:(?:dia|semana|mes|trimestre|ano|periodo)\\s+(?:anterior|pasad[oa]|previ[oa])|ayer|anterior)',
  ),
  bounded('periodo\\s+(?:anterior|previo)'),
];

const FORECAST_WORDS =
  'forecast(?:s|ed)?|predicted|prediction|projection|projected|pronosticos?|pronosticad[oa]|' +
  'prevision(?:es)?|previst[oa]|proyeccion(?:es)?|proyectad[oa]';
const FORECAST_WORD = bounded(FORECAST_WORDS);
const FORECAST_AS_BASELINE = bounded(
  '(?:than|vs\\.?|versus|against|under|below|above|over|behind|ahead\\s+of|short\\s+of|compared\\s+(?:to|with)|' +
    'relative\\s+to|miss(?:ed)?|beat|bajo|debajo\\s+del?|encima\\s+del?|frente\\s+al?|contra|respecto\\s+(?:al?|del?)|que)' +
    `(?:\\s+(?:the|el|la|our|nuestro|its|su))?(?:\\s+[\\p{L}\\p{N}-]+)?\\s+(?:${FORECAST_WORDS})`,
);
const PLAN_WORD = bounded('plan|budget|target|presupuesto|objetivo|meta');
const FUTURE_MARKER = bounded(
  "will|won't|going\\s+to|expected\\s+to|outlook|va\\s+a|van\\s+a|sera|seran|habra|se\\s+espera|esperamos|" +
    'alcanzara|cumplira|produciran?|tendremos|perspectivas?',
);

const PRODUCT_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  oil: ['oil', 'crude', 'crude oil', 'crudo', 'petroleo', 'aceite'],
  gas: ['gas', 'natural gas', 'gas natural'],
  water: ['water', 'produced water', 'agua', 'agua producida'],
  water_injection: [
    'water injection',
    'water injected',
    'injected water',
    'injection water',
    'injection',
    'inyeccion de agua',
    'agua inyectada',
    'inyeccion',
    'inyectada',
    'inyectado',
  ],
};
const PRODUCT_LOOKALIKES = bounded(
  'gas[\\s-]*lift|lift[\\s-]*gas|gas\\s+de\\s+(?:levantamiento|inyeccion|elevacion)|gas\\s+detection|' +
    'deteccion\\s+de\\s+gas|inyeccion\\s+de\\s+agua|water\\s+injection|injection\\s+water|fire\\s+water|agua\\s+contra\\s+incendios',
);

const LEADING_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  site: ['sitio', 'planta', 'instalacion', 'plant', 'facility', 'field', 'campo'],
  sitio: ['site', 'planta', 'instalacion'],
  well: ['pozo'],
  pozo: ['well'],
  plant: ['planta'],
  planta: ['plant'],
  field: ['campo'],
  campo: ['field'],
  pump: ['bomba'],
  bomba: ['pump'],
  compressor: ['compresor'],
  compresor: ['compressor'],
  separator: ['separador'],
  separador: ['separator'],
};

const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have how i if in into is it its ' +
    'me my no not of on or our so than that the their them then there these this those to too under up was we ' +
    'were what when where which while who why will with would you your vs versus compared against below above ' +
    'over lower higher low high down drop dropped fell fall falling short behind much many more less so far ' +
    'yesterday today tomorrow last next past previous prior week weeks month months year years day days ' +
    'plan planned budget target forecast site sites production produce produced explain tell show happened ' +
    'el la los las lo un una unos unas y o u de del al a en con sin por para que qué se su sus es son fue fueron ' +
    'esta este estos estas está están estuvo hay hubo cual cuál cuales cuánto cuanto cuanta como cómo donde dónde ' +
    'cuando cuándo porque porqué ayer hoy mañana manana semana semanas mes meses año ano años dia día dias días ' +
    'pasada pasado anterior últimos ultimos últimas ultimas próxima proxima próximo proximo sitio sitios producción ' +
    'produccion plan bajo debajo encima menos más mas respecto frente pronóstico pronostico cayó cayo bajó bajo ' +
    'subió explica explicar pasó paso ocurrió ocurrio tan muy entre desde hasta durante sobre menor mayor peor ' +
    'mejor inferior superior worse better compare comparar meet cumplir producir between until most long ' +
    'further almost still cada vez sigue poco casi estaba'
  ).split(/\s+/),
);
const MONTH_AND_DAY_WORDS = new Set([
  ...Object.keys(ALL_MONTHS),
  ...Object.keys(WEEKDAYS),
  'miércoles',
  'sábado',
]);
const KEYWORD_TOKEN = /[\p{L}\p{N}]+(?:[-_][\p{L}\p{N}]+)*/gu;
const MAX_KEYWORDS = 24;

const maskSpan = (text: string, start: number, end: number): string =>
  text.slice(0, start) + ' '.repeat(end - start) + text.slice(end);

/** Blanks every match of `pattern` in `text`; returns the new text and the spans matched. */
function maskAll(text: string, pattern: RegExp): { text: string; spans: [number, number][] } {
  const spans: [number, number][] = [];
  let masked = text;
  for (const match of text.matchAll(pattern)) {
    if (match[0].length === 0) continue;
    spans.push([match.index, match.index + match[0].length]);
    masked = maskSpan(masked, match.index, match.index + match[0].length);
  }
  return { text: masked, spans };
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A flexible pattern for a name or code: tokens joined by optional hyphens/spaces ("WELL-B01" ≈ "well b01"). */
function aliasPattern(alias: string): string | null {
  const tokens = foldText(alias).match(/[\p{L}]+|[\p{N}]+/gu);
  if (!tokens || tokens.join('').length < 3 || tokens.every((token) => /^\p{N}+$/u.test(token))) return null;
  let body = escapeRegExp(tokens[0]!);
  for (let index = 1; index < tokens.length; index += 1) {
    const previousIsDigit = /\p{N}/u.test(tokens[index - 1]!);
    const currentIsDigit = /\p{N}/u.test(tokens[index]!);
    body += `${previousIsDigit === currentIsDigit ? '[\\s_\\-–—./]+' : '[\\s_\\-–—./]*'}${escapeRegExp(tokens[index]!)}`;
  }
  return body;
}

function withLeadingSynonyms(alias: string): string[] {
  const folded = foldText(alias).trim();
  const [first = '', ...rest] = folded.split(/\s+/);
  return [folded, ...(LEADING_SYNONYMS[first] ?? []).map((synonym) => [synonym, ...rest].join(' '))];
}

const nameParts = (name: string): string[] =>
  name
    .split(/\s+[—–-]\s+|[()|,/]/)
    .map((part) => part.trim())
    .filter(Boolean);

/**
 * Names an asset goes by: its id, its name without the parenthesis, and for field-prefixed well codes
 * (`15/9-F-12`, `NO 15/9-F-12`) the short code engineers write (`F-12`).
 */
function assetAliases(asset: AssetMember): string[] {
  const aliases = [asset.id, asset.name.split('(')[0]!.trim()];
  for (const code of [asset.id, asset.name]) {
    const short = /^(?:[A-Z]{2}\s+)?\d+\/\d+-(.+)$/i.exec(code.trim())?.[1];
    if (short) aliases.push(short, `well ${short}`);
  }
  return [...new Set(aliases)];
}

interface MemberMatcher {
  id: string;
  pattern: RegExp;
}

interface MemberMatchers {
  sites: MemberMatcher[];
  assets: MemberMatcher[];
  products: MemberMatcher[];
}

function matcherFor(id: string, aliases: readonly string[]): MemberMatcher | null {
  const bodies = new Set<string>();
  for (const alias of aliases) {
    if (STOP_WORDS.has(foldText(alias).trim()) && alias !== id) continue;
    for (const variant of withLeadingSynonyms(alias)) {
      const body = aliasPattern(variant);
      if (body) bodies.add(body);
    }
  }
  if (bodies.size === 0) return null;
  return { id, pattern: bounded([...bodies].sort((left, right) => right.length - left.length).join('|')) };
}

const matcherCache = new WeakMap<UnderstandMembers, MemberMatchers>();

function buildMatchers(members: UnderstandMembers): MemberMatchers {
  const cached = matcherCache.get(members);
  if (cached) return cached;
  const compact = (matchers: (MemberMatcher | null)[]) =>
    matchers.filter((matcher): matcher is MemberMatcher => matcher !== null);
  const built: MemberMatchers = {
    sites: compact(
      members.sites.map((site) => matcherFor(site.id, [site.id, site.name, ...nameParts(site.name)])),
    ),
    assets: compact(members.assets.map((asset) => matcherFor(asset.id, assetAliases(asset)))),
    products: compact(
      [...members.products]
        .sort((left, right) => Number(right.id.includes('_')) - Number(left.id.includes('_')))
        .map((product) =>
          matcherFor(product.id, [product.id, product.name, ...(PRODUCT_SYNONYMS[product.id] ?? [])]),
        ),
    ),
  };
  matcherCache.set(members, built);
  return built;
}

/** Finds members in `text` (folded), in order of first mention, and blanks their mentions. */
function findMembers(text: string, matchers: readonly MemberMatcher[]): { ids: string[]; text: string } {
  const found: { id: string; index: number }[] = [];
  let masked = text;
  for (const matcher of matchers) {
    const result = maskAll(masked, matcher.pattern);
    if (result.spans.length === 0) continue;
    found.push({ id: matcher.id, index: result.spans[0]![0] });
    masked = result.text;
  }
  found.sort((left, right) => left.index - right.index);
  return { ids: found.map((entry) => entry.id), text: masked };
}

const maskDates = (text: string, ranges: readonly FoundRange[]): string =>
  ranges.reduce((masked, found) => maskSpan(masked, found.start, found.end), text);

function findRanges(text: string, context: DateContext): FoundRange[] {
  const found: FoundRange[] = [];
  let working = text;
  for (const rule of DATE_RULES) {
    for (const match of working.matchAll(rule.pattern)) {
      const range = rule.resolve(match, context);
      if (!range) continue;
      const start = match.index;
      const end = start + match[0].length;
      found.push({ ...range, start, end });
      working = maskSpan(working, start, end);
    }
  }
  found.push(...libraryRanges(working, context.today, context.language));
  return found.sort((left, right) => left.start - right.start);
}

function detectComparison(folded: string): {
  compare: ExplainComparison;
  text: string;
  forecastNamed: boolean;
} {
  let text = folded;
  let previous = false;
  for (const pattern of PREVIOUS_PERIOD_PATTERNS) {
    const result = maskAll(text, pattern);
    if (result.spans.length > 0) previous = true;
    text = result.text;
  }
  const forecastWord = new RegExp(FORECAST_WORD.source, 'u').test(folded);
  const forecastAsBaseline = new RegExp(FORECAST_AS_BASELINE.source, 'u').test(folded);
  const planWord = new RegExp(PLAN_WORD.source, 'u').test(folded);
  let compare: ExplainComparison = 'plan';
  if (previous) compare = 'previous_period';
  else if (forecastWord && (forecastAsBaseline || !planWord)) compare = 'forecast';
  return { compare, text, forecastNamed: forecastWord && !forecastAsBaseline };
}

/** Codes and content words of the question, lower-case; words inside member mentions give way to the ids. */
const UNKNOWN_MEMBER_PATTERNS: readonly RegExp[] = [
  bounded('(?:site|sitio|plant|planta|field|campo)\\s+(?:[a-z]|\\d{1,3}|[a-z]{1,4}-?\\d{1,3}[a-z]?)'),
  bounded('(?:well|pozo)\\s+[a-z]-?\\d{1,3}[a-z]?'),
  bounded('site-[a-z0-9]+|[a-z]{1,5}-[a-z]?\\d{1,4}[a-z]?'),
];

/** Member-like mentions left after the known members were blanked out of `withoutMembers`. */
function findUnknownMembers(question: string, withoutMembers: string): string[] {
  const unknown: string[] = [];
  let remaining = withoutMembers;
  for (const pattern of UNKNOWN_MEMBER_PATTERNS) {
    const result = maskAll(remaining, pattern);
    for (const [start, end] of result.spans) {
      const mention = question.slice(start, end).trim();
      if (!unknown.includes(mention)) unknown.push(mention);
    }
    remaining = result.text;
  }
  return unknown;
}

function extractKeywords(question: string, memberIds: readonly string[], withoutMembers: string): string[] {
  const keywords = new Set(memberIds.map((id) => id.toLowerCase()));
  for (const match of question.toLowerCase().matchAll(KEYWORD_TOKEN)) {
    const token = match[0];
    if (withoutMembers[match.index] === ' ') continue;
    const folded = foldText(token);
    const isCode = token.includes('-') && /\p{L}/u.test(token);
    if (!isCode && token.length < 3) continue;
    if (/^[\p{N}_-]+$/u.test(token)) continue;
    if (STOP_WORDS.has(token) || STOP_WORDS.has(folded) || MONTH_AND_DAY_WORDS.has(folded)) continue;
    if (Object.hasOwn(NUMBER_WORDS, folded)) continue;
    keywords.add(token);
  }
  return [...keywords].slice(0, MAX_KEYWORDS);
}

/**
 * Reads an operator's question deterministically: members by code or name (English and Spanish aliases,
 * accent-insensitive), products, the date range (see the module docblock for conventions), the comparison
 * (plan by default; forecast; previous period) and whether the question asks about the future.
 */
export function understandQuestion(question: string, options: UnderstandOptions): QuestionUnderstanding {
  const language = detectLanguage(question);
  const folded = foldText(question);
  const { compare, text: withoutComparison, forecastNamed } = detectComparison(folded);
  const matchers = buildMatchers(options.members);
  const assets = findMembers(withoutComparison, matchers.assets);
  const sites = findMembers(assets.text, matchers.sites);
  const compound = findMembers(
    sites.text,
    matchers.products.filter((matcher) => matcher.id.includes('_')),
  );
  const simple = findMembers(
    maskAll(compound.text, PRODUCT_LOOKALIKES).text,
    matchers.products.filter((matcher) => !matcher.id.includes('_')),
  );
  const products = { ids: [...compound.ids, ...simple.ids] };
  const ranges = findRanges(sites.text, { today: options.today, language });
  const froms = ranges.map((found) => found.from).sort();
  const tos = ranges.map((found) => found.to).sort();
  const range = ranges.length === 0 ? null : { from: froms[0]!, to: tos.at(-1)! };
  const rangeText =
    ranges.length === 0
      ? null
      : ranges.map((found) => question.slice(found.start, found.end).trim()).join(' … ');
  const wantsForecast =
    (range !== null && range.to > options.today) ||
    new RegExp(FUTURE_MARKER.source, 'u').test(withoutComparison) ||
    forecastNamed;
  return {
    language,
    sites: sites.ids,
    assets: assets.ids,
    products: products.ids,
    range,
    rangeText,
    compare,
    wantsForecast,
    periods: ranges.map((found) => ({
      from: found.from,
      to: found.to,
      label: question.slice(found.start, found.end).trim(),
    })),
    keywords: extractKeywords(question, [...assets.ids, ...sites.ids], sites.text),
    unknownMembers: findUnknownMembers(question, maskDates(sites.text, ranges)),
  };
}

const IsoDateSchema = z.string().refine(isIsoDate, { message: 'expected a YYYY-MM-DD calendar date' });

/**
 * Schema of a {@link QuestionUnderstanding} as a model returns it (tool input or JSON output). Missing
 * optional parts default to "not mentioned"; member lists are resolved against the catalogue afterwards by
 * {@link parseModelUnderstanding}.
 */
export const QuestionUnderstandingSchema = z.object({
  language: z.enum(['en', 'es']),
  sites: z.array(z.string().max(200)).max(50).default([]),
  assets: z.array(z.string().max(200)).max(50).default([]),
  products: z.array(z.string().max(200)).max(20).default([]),
  range: z
    .object({ from: IsoDateSchema, to: IsoDateSchema })
    .refine((value) => value.from <= value.to, { message: 'range.from must not be after range.to' })
    .nullable()
    .default(null),
  rangeText: z.string().max(200).nullable().default(null),
  periods: z
    .array(z.object({ from: IsoDateSchema, to: IsoDateSchema, label: z.string().max(200) }))
    .max(4)
    .optional(),
  compare: z.enum(['plan', 'forecast', 'previous_period']).default('plan'),
  wantsForecast: z.boolean().default(false),
  keywords: z.array(z.string().max(80)).max(50).default([]),
  unknownMembers: z.array(z.string().max(200)).max(50).default([]),
});

/** Name of the tool a model calls to record its understanding (Bedrock tool use). */
export const UNDERSTAND_TOOL_NAME = 'record_question_understanding';

/** JSON Schema of {@link QuestionUnderstandingSchema}, for a tool's `inputSchema`. */
export const understandingJsonSchema = (): Record<string, unknown> =>
  z.toJSONSchema(QuestionUnderstandingSchema, { io: 'input' }) as Record<string, unknown>;

/** Outcome of {@link parseModelUnderstanding}. */
export type ModelUnderstandingResult =
  | { ok: true; understanding: QuestionUnderstanding; dropped: string[] }
  | { ok: false; issues: string[] };

function extractJson(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) throw new SyntaxError('no JSON object in the model output');
  return JSON.parse(text.slice(start, end + 1));
}

function resolveMembers(
  values: readonly string[],
  matchers: readonly MemberMatcher[],
  dropped: string[],
): string[] {
  const resolved: string[] = [];
  for (const value of values) {
    const exact = matchers.find((matcher) => matcher.id.toLowerCase() === value.trim().toLowerCase());
    const ids = exact ? [exact.id] : findMembers(foldText(value), matchers).ids;
    if (ids.length === 0) dropped.push(value);
    for (const id of ids) if (!resolved.includes(id)) resolved.push(id);
  }
  return resolved;
}

/**
 * Validates a model's understanding (an object, or the model's text containing one JSON object) and maps
 * its members to catalogue ids by id or name; unknown members are dropped and listed in `dropped`.
 */
export function parseModelUnderstanding(json: unknown, members: UnderstandMembers): ModelUnderstandingResult {
  let candidate: unknown = json;
  if (typeof json === 'string') {
    try {
      candidate = extractJson(json);
    } catch (error) {
      return { ok: false, issues: [error instanceof Error ? error.message : 'invalid JSON'] };
    }
  }
  const parsed = QuestionUnderstandingSchema.safeParse(candidate);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    };
  }
  const matchers = buildMatchers(members);
  const dropped: string[] = [];
  const value = parsed.data;
  const understanding: QuestionUnderstanding = {
    ...value,
    sites: resolveMembers(value.sites, matchers.sites, dropped),
    assets: resolveMembers(value.assets, matchers.assets, dropped),
    products: resolveMembers(value.products, matchers.products, dropped),
    keywords: [...new Set(value.keywords.map((keyword) => keyword.trim().toLowerCase()).filter(Boolean))],
  };
  understanding.unknownMembers = [...new Set([...value.unknownMembers, ...dropped])];
  return { ok: true, understanding, dropped };
}
