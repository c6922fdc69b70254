/**
 * Language helpers of the explain pipeline: Spanish/English detection, accent folding and the one number
 * formatter shared by the prompt, the grounded composer and (by parsing its output) the verifier.
 */
import type { Language } from './types.js';

/** Human name of each language, as written in prompts. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  en: 'English',
  es: 'Spanish (español)',
};

const SPANISH_WORDS = new Set([
  'el',
  'la',
  'los',
  'las',
  'del',
  'al',
  'de',
  'que',
  'qué',
  'por',
  'porqué',
  'para',
  'con',
  'sin',
  'en',
  'un',
  'una',
  'unos',
  'y',
  'se',
  'su',
  'sus',
  'es',
  'son',
  'fue',
  'fueron',
  'está',
  'están',
  'estuvo',
  'esta',
  'este',
  'cuál',
  'cual',
  'cuánto',
  'cuanto',
  'cuánta',
  'cómo',
  'como',
  'dónde',
  'cuándo',
  'ayer',
  'hoy',
  'mañana',
  'semana',
  'mes',
  'año',
  'pasada',
  'pasado',
  'anterior',
  'últimos',
  'últimas',
  'próxima',
  'próximo',
  'sitio',
  'pozo',
  'pozos',
  'producción',
  'cayó',
  'bajó',
  'subió',
  'debajo',
  'encima',
  'respecto',
  'pronóstico',
  'más',
  'menos',
  'hubo',
  'tuvo',
  'entre',
  'desde',
  'hasta',
  'durante',
  'marzo',
  'junio',
  'días',
]);

const ENGLISH_WORDS = new Set([
  'the',
  'was',
  'were',
  'why',
  'what',
  'which',
  'who',
  'did',
  'does',
  'do',
  'is',
  'are',
  'how',
  'when',
  'where',
  'yesterday',
  'today',
  'tomorrow',
  'last',
  'next',
  'week',
  'month',
  'year',
  'under',
  'below',
  'above',
  'than',
  'of',
  'in',
  'on',
  'at',
  'for',
  'from',
  'to',
  'and',
  'with',
  'site',
  'well',
  'wells',
  'drop',
  'dropped',
  'fell',
  'production',
  'has',
  'have',
  'had',
  'will',
  'this',
  'that',
  'it',
  'its',
  'be',
  'been',
  'by',
  'compared',
  'forecast',
  'behind',
  'low',
  'lower',
  'days',
  'so',
]);

const INVERTED_MARKS = /[¿¡]/g;
const SPANISH_LETTERS = /[ñ]/gi;
const ACCENTED_VOWELS = /[áéíóú]/gi;
const WORDS = /[\p{L}]+/gu;

/**
 * Detects whether a text is Spanish or English from stop words, inverted punctuation, `ñ` and accents.
 * Ties (including texts with no signal, such as a bare code) resolve to English.
 */
export function detectLanguage(text: string): Language {
  const lower = text.toLowerCase();
  let spanish = 0;
  let english = 0;
  for (const [word] of lower.matchAll(WORDS)) {
    if (SPANISH_WORDS.has(word)) spanish += 1;
    if (ENGLISH_WORDS.has(word)) english += 1;
  }
  spanish += 2 * (lower.match(INVERTED_MARKS)?.length ?? 0);
  spanish += lower.match(SPANISH_LETTERS)?.length ?? 0;
  spanish += Math.min(2, 0.5 * (lower.match(ACCENTED_VOWELS)?.length ?? 0));
  return spanish > english ? 'es' : 'en';
}

/**
 * Lower-cases and strips diacritics one character at a time, so every index of the result points at the
 * same character of the input ("Río" → "rio"). Characters whose folding would change the length are kept
 * lower-cased as they are.
 */
export function foldText(text: string): string {
  let folded = '';
  for (const char of text) {
    const base = char.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    folded += base.length === char.length ? base : char;
  }
  return folded;
}

/** Minus sign used for negative numbers in answers (U+2212). */
export const MINUS = '\u2212';

/** Decimals shown by default: 1 from 100 up, 2 from 1 up, 3 below 1 (trailing zeros are trimmed). */
export function defaultDecimals(value: number): number {
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return 1;
  if (magnitude >= 1) return 2;
  return 3;
}

/**
 * Formats a number the way answers print it: English `1,741.2`, Spanish `1.741,2`; negatives with a
 * unicode minus; at most `decimals` decimals with trailing zeros trimmed. The verifier parses both styles.
 */
export function formatNumber(value: number, language: Language, decimals = defaultDecimals(value)): string {
  const fixed = Math.abs(value).toFixed(decimals);
  const [integerPart = '0', fractionPart = ''] = fixed.split('.');
  const fraction = fractionPart.replace(/0+$/, '');
  const thousands = language === 'es' ? '.' : ',';
  const decimal = language === 'es' ? ',' : '.';
  const grouped = integerPart.replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
  const body = fraction ? `${grouped}${decimal}${fraction}` : grouped;
  const isZero = /^[0.]*$/.test(fixed);
  return value < 0 && !isZero ? `${MINUS}${body}` : body;
}

/** Formats a percentage (already in percent units, 12.25 for 12.25 %) with two decimals at most. */
export const formatPercent = (value: number, language: Language): string =>
  `${formatNumber(value, language, 2)} %`;

/** Formats a value with its unit: `1,741.2 bbl`, `12.25 %`. */
export function formatQuantity(value: number, unit: string, language: Language): string {
  if (unit === '%') return formatPercent(value, language);
  const number = formatNumber(value, language);
  return unit ? `${number} ${unit}` : number;
}
