/**
 * Post-generation checks of an explanation against the facts and passages it was given: citations must
 * exist, numbers in the answer's own words must come from the facts (quoted document text is skipped and
 * never grounds a figure), and sentences that state a cause must
 * cite something. Pure and language-aware (English and Spanish number styles and cause phrasing).
 *
 * Numbers that are not figures are skipped: citation ids, dates (`2025-06-14`, `June 14`, `14 de junio de
 * 2025`, `14/06/2025`), times (`09:30`), codes (`WELL-B01`, `P-101A`, `TSHH-1207`, `1H`), section signs
 * (`§ 250.859`), ordinals (`2nd`, `3ro`), list markers at the start of a line and bare years (1900–2100).
 */
import { foldText } from './language.js';
import type { Fact, Passage, Verification } from './types.js';

/** One interpretation of a number as written: its absolute value and the decimals shown. */
export interface NumberReading {
  value: number;
  decimals: number;
}

/** A number found in a text, with every plausible reading (`1,741` is 1741 in English, 1.741 in Spanish). */
export interface NumberMention {
  raw: string;
  index: number;
  percent: boolean;
  readings: NumberReading[];
}

const CITATION_GROUP = /\[\s*((?:[DS]\d+)(?:\s*[,;]\s*[DS]\d+)*)\s*\]/gi;

/** Citation ids (`D1`, `S2`) in order of first appearance; accepts `[D1]`, `[D1, S2]` and `[D1; D2]`. */
export function extractCitations(text: string): string[] {
  const ids: string[] = [];
  for (const match of text.matchAll(CITATION_GROUP)) {
    for (const id of match[1]!.split(/[,;]/)) {
      const normalised = id.trim().toUpperCase();
      if (!ids.includes(normalised)) ids.push(normalised);
    }
  }
  return ids;
}

const ABBREVIATION_END = /(?:\b(?:vs|e\.g|i\.e|approx|aprox|nr|núm|fig|p\.ej|ej|sr|sra|dr)\.)$/i;
const LEADING_CITATIONS = /^(?:\s*\[[^\]\n]*\])+/;
const SENTENCE_BREAK = /(?<=[.!?…]["”»’)]*)\s+(?=[\p{Lu}¿¡"“«([\p{N}])/u;
const LIST_MARKER = /^\s*(?:[-*+•]|\d+[.)])\s+/;

/**
 * Splits a text into sentences: one or more per line (list markers dropped), breaking after `.`, `!` or
 * `?` before a capital, digit or opening mark. Citations written after the full stop (`… plan. [D1]`)
 * stay with the sentence they follow; common abbreviations (`vs.`, `e.g.`) do not end a sentence.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const line of text.split(/\n+/)) {
    const content = line.replace(LIST_MARKER, '').trim();
    if (!content) continue;
    const pieces = content.split(SENTENCE_BREAK);
    const lineSentences: string[] = [];
    for (const piece of pieces) {
      let rest = piece;
      const leading = LEADING_CITATIONS.exec(rest)?.[0];
      if (leading && lineSentences.length > 0) {
        lineSentences[lineSentences.length - 1] += ` ${leading.trim()}`;
        rest = rest.slice(leading.length).trim();
        if (!rest) continue;
      }
      const previous = lineSentences[lineSentences.length - 1];
      if (previous !== undefined && ABBREVIATION_END.test(previous)) {
        lineSentences[lineSentences.length - 1] = `${previous} ${rest}`;
      } else {
        lineSentences.push(rest);
      }
    }
    sentences.push(...lineSentences);
  }
  return sentences;
}

const CAUSE_PHRASES = new RegExp(
  '(?<![\\p{L}\\p{N}])(?:' +
    [
      'because',
      'due to',
      'caused',
      'causes?',
      'causing',
      'root cause',
      'contribut(?:or|ors|ed|ing|ion|ions)',
      'driven by',
      'drove',
      'drivers?',
      'attributable',
      'attributed',
      'owing to',
      'as a result of',
      'resulted from',
      'result of',
      'led to',
      'reasons?',
      'responsible for',
      'explained by',
      'stems? from',
      'triggered',
      'debid[oa]s? a',
      'a causa de',
      'causas?',
      'causad[oa]s?',
      'causo',
      'causaron',
      'por culpa de',
      'provocad[oa]s?',
      'provoco',
      'provocaron',
      'originad[oa]s?',
      'origino',
      'se deb(?:e|en|io|ieron)',
      'motiv(?:o|os|ad[oa]s?)',
      'razon(?:es)?',
      'contribu\\p{L}*',
      'factor principal',
      'principal factor',
      'atribuible',
      'atribuid[oa]s?',
      'a raiz de',
      'responsable de',
      'explicad[oa]s? por',
      'por (?:el|la|los|las|un|una) (?:disparo|falla|fallo|corte|parada|paro|perdida|evento|mantenimiento|declinacion|hidrato|obstruccion|apagado)',
    ].join('|') +
    ')(?![\\p{L}\\p{N}])',
  'u',
);

const UNCERTAINTY_PHRASES = new RegExp(
  [
    "(?:does|do|did|is|are|was|were|could|can)(?:n['’]t| not)\\s+(?:[\\p{L}-]+\\s+){0,3}(?:explain|show|identify|determine|record|know|indicate|establish)\\p{L}*",
    'cannot\\s+(?:[\\p{L}-]+\\s+){0,3}(?:explain|show|identify|determine|tell|say)\\p{L}*',
    '(?:^|\\s)no\\s+(?:[\\p{L}-]+\\s+){0,3}(?:explain|show|identif|record|indicat)\\p{L}*',
    'unknown cause|cause (?:is|remains) (?:unknown|unclear)|no (?:recorded |known |clear )?cause',
    'no\\s+(?:se\\s+)?(?:[\\p{L}-]+\\s+){0,3}(?:explica|muestra|identifica|permite|registra|indica|sabe|determina)\\p{L}*',
    'ningun[oa]?\\s+(?:[\\p{L}-]+\\s+){0,4}(?:explica|muestra|indica|registra)\\p{L}*',
    'causa desconocida|sin causa|ninguna causa|no hay (?:una )?causa',
  ].join('|'),
  'u',
);

/**
 * True when a sentence states a cause ("because", "due to", "caused by", "contributor", "debido a",
 * "causa", "por el disparo", …). Sentences that only say a cause is unknown or not shown by the data do not
 * count, since they claim nothing.
 */
export function isCauseSentence(sentence: string): boolean {
  const folded = foldText(sentence);
  return CAUSE_PHRASES.test(folded) && !UNCERTAINTY_PHRASES.test(folded);
}

const EN_MONTHS =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const EN_FULL_MONTHS =
  'january|february|march|april|may|june|july|august|september|october|november|december';
const ES_MONTHS =
  'enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre';

const NOT_FIGURES: readonly RegExp[] = [
  CITATION_GROUP,
  /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?\b/g,
  /\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/g,
  /\b\d{1,2}:\d{2}(?::\d{2})?\b/g,
  new RegExp(
    `\\b(?:${EN_MONTHS})\\.?\\s+\\d{1,2}(?:\\s*[–-]\\s*\\d{1,2})?(?:st|nd|rd|th)?\\b(?:,?\\s+\\d{4})?`,
    'gi',
  ),
  new RegExp(`\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?(?:${EN_MONTHS})\\b(?:,?\\s+\\d{4})?`, 'gi'),
  new RegExp(
    `\\b(?:del?|desde\\s+el|entre\\s+el)\\s+\\d{1,2}\\s+(?:al?|hasta\\s+el|y\\s+el)\\s+\\d{1,2}\\s+de\\s+(?:${ES_MONTHS})\\b(?:\\s+(?:de|del)\\s+\\d{4})?`,
    'gi',
  ),
  new RegExp(`\\b\\d{1,2}\\s+de\\s+(?:${ES_MONTHS})\\b(?:\\s+(?:de|del)\\s+\\d{4})?`, 'gi'),
  new RegExp(`\\b(?:${EN_FULL_MONTHS}|${ES_MONTHS})\\s+(?:de\\s+|del\\s+)?\\d{4}\\b`, 'gi'),
  /§+\s*\d+(?:[.-]\d+)*(?:\([a-z0-9]+\))*/gi,
  /^\s*\d+[.)](?=\s)/gm,
];

const NUMBER = /(?<![\p{L}\p{N}_.,])(?<!\p{L}[\p{L}\p{N}]*[-_/])[-−]?\d+(?:[.,]\d+)*/gu;
const ORDINAL_SUFFIX = /^(?:st|nd|rd|th|er|do|ro|to|vo|mo|no|º|ª)(?![\p{L}\p{N}])/u;

const blank = (text: string, pattern: RegExp): string =>
  text.replace(pattern, (match) => match.replace(/[^\n]/g, ' '));

/** Every reading of a digit string with `.`/`,` separators; empty when it is not a well-formed number. */
export function readNumber(raw: string): NumberReading[] {
  const digits = raw.replace(/^[-−]/, '');
  const separators = digits.match(/[.,]/g) ?? [];
  const plain = (integer: string, fraction = ''): NumberReading => ({
    value: Number(fraction ? `${integer}.${fraction}` : integer),
    decimals: fraction.length,
  });
  if (separators.length === 0) return [plain(digits)];
  const kinds = new Set(separators);
  if (kinds.size === 2) {
    const decimalMark = digits.lastIndexOf('.') > digits.lastIndexOf(',') ? '.' : ',';
    const thousandsMark = decimalMark === '.' ? ',' : '.';
    const [integer = '', fraction = ''] = digits.split(decimalMark);
    if (
      integer
        .split(thousandsMark)
        .slice(1)
        .some((group) => group.length !== 3)
    )
      return [];
    if (digits.split(decimalMark).length !== 2) return [];
    return [plain(integer.replaceAll(thousandsMark, ''), fraction)];
  }
  const mark = separators[0]!;
  const groups = digits.split(mark);
  const groupedThousands = groups.slice(1).every((group) => group.length === 3) && groups[0]!.length <= 3;
  if (groups.length > 2) return groupedThousands ? [plain(groups.join(''))] : [];
  const asDecimal = plain(groups[0]!, groups[1]!);
  return groupedThousands && groups[0] !== '0' ? [plain(groups.join('')), asDecimal] : [asDecimal];
}

/** The figures of a text (see the module docblock for what is skipped), each with its possible readings. */
export function extractNumbers(text: string): NumberMention[] {
  const masked = NOT_FIGURES.reduce(blank, text);
  const mentions: NumberMention[] = [];
  for (const match of masked.matchAll(NUMBER)) {
    const raw = match[0];
    const after = masked.slice(match.index + raw.length);
    if (/^\p{Lu}/u.test(after) || /^[-_]\p{L}/u.test(after) || ORDINAL_SUFFIX.test(after)) continue;
    const percent = /^\s?%/.test(after);
    const digits = raw.replace(/^[-−]/, '');
    if (!percent && /^\d{4}$/.test(digits) && Number(digits) >= 1900 && Number(digits) <= 2100) continue;
    const readings = readNumber(raw);
    if (readings.length === 0) continue;
    mentions.push({ raw: percent ? `${raw} %` : raw, index: match.index, percent, readings });
  }
  return mentions;
}

/** The figures of a grounding text (same skipping rules as the answer), as absolute values in every reading. */
const literalNumbers = (text: string): number[] =>
  extractNumbers(text).flatMap((mention) => mention.readings.map((reading) => reading.value));

/** Absolute values a number in the answer may restate: fact values and related values. */
function factValues(facts: readonly Fact[]): number[] {
  return facts.flatMap((fact) => [fact.value, ...Object.values(fact.related ?? {})].map(Math.abs));
}

const RELATIVE_TOLERANCE = 0.005;

/** True when `reading` is `value` rounded to the decimals shown, or within 0.5 % of it. */
export function matchesWithRounding(reading: NumberReading, value: number): boolean {
  const difference = Math.abs(reading.value - Math.abs(value));
  if (difference <= 0.5 * 10 ** -reading.decimals + 1e-9) return true;
  return Math.abs(value) > 0 && difference <= RELATIVE_TOLERANCE * Math.abs(value);
}

function isGrounded(
  mention: NumberMention,
  values: readonly number[],
  literals: ReadonlySet<number>,
): boolean {
  return mention.readings.some(
    (reading) =>
      literals.has(reading.value) ||
      values.some(
        (value) =>
          matchesWithRounding(reading, value) ||
          (mention.percent && matchesWithRounding(reading, value * 100)),
      ),
  );
}

const QUOTED = /“[^”\n]*”|«[^»\n]*»|"[^"\n]*"|^>.*$/gm;

/**
 * The answer's own words: quoted document text (`“…”`, `«…»`, `"…"` and `> ` quote lines) blanked out,
 * so the numbers a document states never count, and never need to count, as data figures.
 */
export const withoutQuotes = (text: string): string =>
  text.replace(QUOTED, (quote) => quote.replace(/[^\n]/g, ' '));

/**
 * Checks an answer against its facts and passages: every `[D#]`/`[S#]` must name one of them; every figure
 * in the answer's own words (outside quotes) must match a fact value or related value (rounding to the
 * decimals shown, or 0.5 % relative; a percentage may also be a fraction × 100) or appear in a fact's
 * label or dimensions. Passages never ground a figure: a document's number is only ever shown quoted.
 * Every sentence that states a cause must cite something.
 */
export function verifyAnswer(
  text: string,
  facts: readonly Fact[],
  passages: readonly Passage[],
): Verification {
  const knownIds = new Set([...facts.map((fact) => fact.id), ...passages.map((passage) => passage.id)]);
  const cited = extractCitations(text);
  const citedIds = cited.filter((id) => knownIds.has(id));
  const unknownCitations = cited.filter((id) => !knownIds.has(id));
  const literalSources = facts.flatMap((fact) => [fact.label, ...Object.values(fact.dims)]);
  const literals = new Set(literalSources.flatMap(literalNumbers));
  const values = factValues(facts);
  const unmatchedNumbers = extractNumbers(withoutQuotes(text))
    .filter((mention) => !isGrounded(mention, values, literals))
    .map((mention) => mention.raw);
  const uncitedCauseSentences = splitSentences(withoutQuotes(text)).filter(
    (sentence) => isCauseSentence(sentence) && extractCitations(sentence).length === 0,
  );
  return {
    ok: unknownCitations.length === 0 && unmatchedNumbers.length === 0 && uncitedCauseSentences.length === 0,
    citedIds,
    unknownCitations,
    unmatchedNumbers: [...new Set(unmatchedNumbers)],
    uncitedCauseSentences,
  };
}
