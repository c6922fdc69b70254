/**
 * The local grounded composer: a templated explanation (English or Spanish, the question's language) built
 * only from the facts and passages it is given. Every figure it prints is a fact value or related value
 * formatted by {@link formatNumber}, and every claim carries its `[D#]`/`[S#]` citation, so its output
 * always passes {@link verifyAnswer}.
 *
 * Facts are read by kind ({@link classifyFact}); the composer understands these `dims` and `related` keys:
 * - dims: `site_name` | `site`, `asset_name` | `asset`, `product`, `date` or `from`/`to`, `compare`,
 *   `cause_label` (and `cause_label_es`);
 * - related: `actual` | `current`, `change_pct` | `variance_pct` | `pct` (in percent units),
 *   `down_hours`, `expected` (anomalies), `low`/`high` or `p10`/`p90` (forecasts).
 * A variance fact's `value` is the change (actual − baseline); a cause fact's `value` is its contribution
 * (negative for a loss); a cause with code `unexplained` is the remainder no event explains.
 */
import { foldText, formatNumber, formatPercent, formatQuantity, MINUS } from '../language.js';
import { looksLikePromptInjection } from '../prompt.js';
import type {
  ExplainComparison,
  Fact,
  FactKind,
  Language,
  Passage,
  QuestionUnderstanding,
} from '../types.js';
import { extractCitations, splitSentences } from '../verify.js';

/** Inputs of {@link composeAnswer}. */
export interface ComposeInput {
  question: string;
  understanding: QuestionUnderstanding;
  facts: readonly Fact[];
  passages: readonly Passage[];
  /** When set, the answer is an abstention with this reason. */
  abstainReason?: string | null;
}

/** A composed answer and the ids it cites, in order of first citation. */
export interface ComposedAnswer {
  text: string;
  citedIds: string[];
}

/** Canned abstention reasons, by situation and language. */
export const ABSTAIN_REASONS = {
  nothing_relevant: {
    en: 'no production data in the requested range and no document relevant enough to the question.',
    es: 'no hay datos de producción en el período pedido ni documentos suficientemente relacionados con la pregunta.',
  },
  unknown_member: {
    en: 'the question names a site, asset or product that is not in the catalogue.',
    es: 'la pregunta nombra un sitio, activo o producto que no está en el catálogo.',
  },
  out_of_scope: {
    en: 'the question is not about production operations covered by this platform.',
    es: 'la pregunta no trata de operaciones de producción cubiertas por esta plataforma.',
  },
} as const satisfies Record<string, Record<Language, string>>;

const MAX_CAUSES = 4;
const MAX_PASSAGES = 3;
const MAX_OTHER_FACTS = 6;
const MAX_EXCERPT_LENGTH = 220;
const EXCERPT_LOOKAHEAD = 4;

const PRODUCT_NAMES: Readonly<Record<string, Record<Language, string>>> = {
  oil: { en: 'oil', es: 'petróleo' },
  gas: { en: 'gas', es: 'gas' },
  water: { en: 'water', es: 'agua' },
};

const SPANISH_CAUSE_LABELS: Readonly<Record<string, string>> = {
  'CMP-TRIP': 'disparo de compresor',
  'PWR-OUT': 'corte de energía / parada de emergencia (ESD)',
  'TAR-PLN': 'parada de planta programada',
  'DEC-RES': 'declinación del reservorio',
  'PMP-FAIL': 'falla de bomba',
  'SEP-HLL': 'parada por alto nivel de líquido en el separador',
  'HYD-PLUG': 'restricción por hidratos o parafina en la línea',
  'INST-FLT': 'falla de instrumento o control',
  'WELL-SD': 'cierre de pozo por el sistema de seguridad',
  'MNT-PLN': 'mantenimiento o prueba de pozo programados',
};

const BASELINES: Readonly<Record<ExplainComparison, Record<Language, string>>> = {
  plan: { en: 'plan', es: 'el plan' },
  forecast: { en: 'forecast', es: 'el pronóstico' },
  previous_period: { en: 'the previous period', es: 'el período anterior' },
};

const DOC_TYPES: Readonly<Record<string, Record<Language, string>>> = {
  runbook: { en: 'runbook', es: 'el procedimiento' },
  dashboard: { en: 'dashboard description', es: 'la descripción del tablero' },
};
const DEFAULT_DOC_TYPE: Record<Language, string> = { en: 'document', es: 'el documento' };

/** The kind of a fact: its explicit `kind`, else inferred from `cause` and the metric name. */
export function classifyFact(fact: Fact): FactKind {
  if (fact.kind) return fact.kind;
  if (fact.cause) return 'cause';
  if (/anomal/i.test(fact.metric)) return 'anomaly';
  if (/forecast|predict|p50/i.test(fact.metric)) return 'forecast';
  if (/variance|change|delta|gap|diff/i.test(fact.metric)) return 'variance';
  return 'kpi';
}

const isUnexplained = (fact: Fact): boolean =>
  fact.cause?.code.toLowerCase() === 'unexplained' || fact.dims.cause?.toLowerCase() === 'unexplained';

const firstNumber = (
  record: Record<string, number> | undefined,
  keys: readonly string[],
): number | undefined => {
  for (const key of keys) {
    const value = record?.[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
};

const cleanInline = (text: string): string =>
  text
    .replace(/[[\]<>{}]/g, ' ')
    .replace(/["“”«»]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
const lowerFirst = (text: string): string =>
  /^\p{Lu}\p{Ll}/u.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;

/** A signed quantity with a unicode minus for losses and a plus for gains: `−272.7 bbl`, `+12 bbl`. */
const signedQuantity = (value: number, unit: string, language: Language): string => {
  const formatted = formatQuantity(value, unit, language);
  return value > 0 && !formatted.startsWith(MINUS) && /[1-9]/.test(formatted) ? `+${formatted}` : formatted;
};

function productPhrase(fact: Fact, understanding: QuestionUnderstanding, language: Language): string | null {
  const raw =
    fact.dims.product ?? (understanding.products.length > 0 ? understanding.products.join(',') : null);
  if (!raw) return null;
  const names = raw
    .split(',')
    .map((product) => product.trim())
    .filter(Boolean)
    .map((product) => PRODUCT_NAMES[product.toLowerCase()]?.[language] ?? cleanInline(product));
  if (names.length === 0) return null;
  const last = names.pop()!;
  return names.length === 0 ? last : `${names.join(', ')} ${language === 'es' ? 'y' : 'and'} ${last}`;
}

function periodPhrase(fact: Fact, understanding: QuestionUnderstanding, language: Language): string | null {
  const single = fact.dims.date;
  const from = fact.dims.from ?? fact.dims.period_from ?? understanding.range?.from;
  const to = fact.dims.to ?? fact.dims.period_to ?? understanding.range?.to;
  const date = single ?? (from && from === to ? from : null);
  if (date) return language === 'es' ? `el ${cleanInline(date)}` : `on ${cleanInline(date)}`;
  if (from && to) {
    return language === 'es'
      ? `del ${cleanInline(from)} al ${cleanInline(to)}`
      : `from ${cleanInline(from)} to ${cleanInline(to)}`;
  }
  return null;
}

const subjectOf = (fact: Fact): string | null => {
  const subject = fact.dims.site_name ?? fact.dims.asset_name ?? fact.dims.site ?? fact.dims.asset;
  return subject ? cleanInline(subject) : null;
};

function comparisonOf(fact: Fact, understanding: QuestionUnderstanding): ExplainComparison {
  const named = fact.dims.compare;
  return named === 'plan' || named === 'forecast' || named === 'previous_period'
    ? named
    : understanding.compare;
}

function directionPhrase(change: number, compare: ExplainComparison, language: Language): string {
  const baseline = BASELINES[compare][language];
  if (language === 'es') {
    const withDe = baseline.startsWith('el ') ? `del ${baseline.slice(3)}` : `de ${baseline}`;
    if (change < 0) return `por debajo ${withDe}`;
    if (change > 0) return `por encima ${withDe}`;
    return `en línea con ${baseline}`;
  }
  if (change < 0) return `under ${baseline}`;
  if (change > 0) return `above ${baseline}`;
  return `in line with ${baseline}`;
}

const cite = (fact: { id: string }): string => `[${fact.id}]`;

function headlineSentence(fact: Fact, understanding: QuestionUnderstanding, language: Language): string {
  const subject = subjectOf(fact);
  const product = productPhrase(fact, understanding, language);
  const period = periodPhrase(fact, understanding, language);
  const actual = firstNumber(fact.related, ['actual', 'current']);
  const pct = firstNumber(fact.related, ['change_pct', 'variance_pct', 'pct']);
  const change = formatQuantity(Math.abs(fact.value), fact.unit, language);
  const changeWithPct = pct === undefined ? change : `${change} (${formatPercent(Math.abs(pct), language)})`;
  const direction = directionPhrase(fact.value, comparisonOf(fact, understanding), language);
  const when = period ? ` ${period}` : '';
  if (language === 'es') {
    const ofProduct = product ? ` de ${product}` : '';
    if (actual !== undefined) {
      const produced = `${formatQuantity(actual, fact.unit, language)}${ofProduct}${when}`;
      const lead = subject ? `${subject} produjo ${produced}` : `La producción fue de ${produced}`;
      return `${lead}, ${changeWithPct} ${direction} ${cite(fact)}.`;
    }
    const scope = subject ? `${subject}${product ? ` (${product})` : ''}` : `La producción${ofProduct}`;
    return `${scope} estuvo ${changeWithPct} ${direction}${when} ${cite(fact)}.`;
  }
  const ofProduct = product ? ` of ${product}` : '';
  if (actual !== undefined) {
    const produced = `${formatQuantity(actual, fact.unit, language)}${ofProduct}${when}`;
    const lead = subject ? `${subject} produced ${produced}` : `Production was ${produced}`;
    return `${lead}, ${changeWithPct} ${direction} ${cite(fact)}.`;
  }
  const scope = subject ? `${subject}${product ? ` (${product})` : ''}` : `Production${ofProduct}`;
  return `${scope} was ${changeWithPct} ${direction}${when} ${cite(fact)}.`;
}

function secondaryVarianceSentence(
  fact: Fact,
  understanding: QuestionUnderstanding,
  language: Language,
): string {
  const scope = productPhrase(fact, understanding, language) ?? subjectOf(fact) ?? cleanInline(fact.label);
  const pct = firstNumber(fact.related, ['change_pct', 'variance_pct', 'pct']);
  const pctText = pct === undefined ? '' : ` (${signedQuantity(pct, '%', language)})`;
  const change = `${signedQuantity(fact.value, fact.unit, language)}${pctText}`;
  const baseline = BASELINES[comparisonOf(fact, understanding)][language];
  return language === 'es'
    ? `Para ${scope}, la variación frente a ${baseline} fue de ${change} ${cite(fact)}.`
    : `For ${scope}, the change against ${baseline} was ${change} ${cite(fact)}.`;
}

function causeName(fact: Fact, language: Language): string {
  const code = cleanInline(fact.cause?.code ?? fact.dims.cause ?? fact.label);
  const label =
    fact.dims[`cause_label_${language}`] ??
    (language === 'es' ? SPANISH_CAUSE_LABELS[code] : undefined) ??
    fact.dims.cause_label;
  const asset = fact.dims.asset ? cleanInline(fact.dims.asset) : null;
  const named = label ? `${code} (${lowerFirst(cleanInline(label))})` : code;
  if (!asset) return named;
  return language === 'es' ? `${named} en ${asset}` : `${named} on ${asset}`;
}

function causeAmount(fact: Fact, language: Language): string {
  const amount = signedQuantity(fact.value, fact.unit, language);
  const downHours = firstNumber(fact.related, ['down_hours', 'hours_down', 'downtime_hours']);
  if (downHours === undefined) return amount;
  const hours = formatNumber(downHours, language);
  return language === 'es' ? `${amount}, con ${hours} h de parada` : `${amount}, with ${hours} h of downtime`;
}

function causeSentences(causes: readonly Fact[], language: Language, remainder?: Fact): string[] {
  const [main, ...others] = causes;
  if (!main) return [];
  const dominated = remainder !== undefined && Math.abs(remainder.value) > Math.abs(main.value);
  const sentences = dominated
    ? [
        language === 'es'
          ? `La mayor parte del cambio, ${signedQuantity(remainder.value, remainder.unit, language)}, no se explica con los eventos registrados ${cite(remainder)}; el evento registrado de mayor impacto fue ${causeName(main, language)}, ${causeAmount(main, language)} ${cite(main)}.`
          : `Most of the change, ${signedQuantity(remainder.value, remainder.unit, language)}, is not explained by recorded events ${cite(remainder)}; the largest recorded event was ${causeName(main, language)}, ${causeAmount(main, language)} ${cite(main)}.`,
      ]
    : [
        language === 'es'
          ? `La causa principal fue ${causeName(main, language)}, ${causeAmount(main, language)} ${cite(main)}.`
          : `The largest contributor was ${causeName(main, language)}, ${causeAmount(main, language)} ${cite(main)}.`,
      ];
  if (others.length > 0) {
    const items = others.map(
      (fact) => `${causeName(fact, language)}, ${causeAmount(fact, language)} ${cite(fact)}`,
    );
    sentences.push(
      language === 'es' ? `Otras causas: ${items.join('; ')}.` : `Other contributors: ${items.join('; ')}.`,
    );
  }
  return sentences;
}

function anomalySentence(fact: Fact, understanding: QuestionUnderstanding, language: Language): string {
  const member = subjectOf(fact);
  const product = productPhrase(fact, understanding, language);
  const date = fact.dims.date ? cleanInline(fact.dims.date) : null;
  const expected = firstNumber(fact.related, ['expected', 'baseline']);
  const value = formatQuantity(fact.value, fact.unit, language);
  const expectedText = expected === undefined ? null : formatQuantity(expected, fact.unit, language);
  if (language === 'es') {
    const scope = member ? `${member}${product ? ` (${product})` : ''}` : cleanInline(fact.label);
    const when = date ? ` el ${date}` : '';
    const against = expectedText ? ` frente a ${expectedText} esperados` : '';
    return `Se marcó una anomalía: ${scope} registró ${value}${when}${against} ${cite(fact)}.`;
  }
  const scope = member ? `${member}${product ? ` ${product}` : ''}` : cleanInline(fact.label);
  const when = date ? ` on ${date}` : '';
  const against = expectedText ? ` against an expected ${expectedText}` : '';
  return `An anomaly was flagged: ${scope} recorded ${value}${when}${against} ${cite(fact)}.`;
}

function forecastSentence(fact: Fact, understanding: QuestionUnderstanding, language: Language): string {
  const product = productPhrase(fact, understanding, language);
  const subject = subjectOf(fact);
  const period = periodPhrase(fact, understanding, language);
  const low = firstNumber(fact.related, ['low', 'p10']);
  const high = firstNumber(fact.related, ['high', 'p90']);
  const value = formatQuantity(fact.value, fact.unit, language);
  const scopeParts = [subject, product].filter(Boolean).join(language === 'es' ? ', ' : ' ');
  if (language === 'es') {
    const interval =
      low !== undefined && high !== undefined
        ? ` (entre ${formatQuantity(low, fact.unit, language)} y ${formatQuantity(high, fact.unit, language)})`
        : '';
    const scope = scopeParts ? ` para ${scopeParts}` : '';
    return `El pronóstico${scope}${period ? ` ${period}` : ''} es de ${value}${interval} ${cite(fact)}.`;
  }
  const interval =
    low !== undefined && high !== undefined
      ? ` (between ${formatQuantity(low, fact.unit, language)} and ${formatQuantity(high, fact.unit, language)})`
      : '';
  const scope = scopeParts ? ` for ${scopeParts}` : '';
  return `The forecast${scope}${period ? ` ${period}` : ''} is ${value}${interval} ${cite(fact)}.`;
}

const kpiSentence = (fact: Fact, language: Language): string =>
  `${capitalise(cleanInline(fact.label))}: ${formatQuantity(fact.value, fact.unit, language)} ${cite(fact)}.`;

function unexplainedSentences(
  headline: Fact | undefined,
  causes: readonly Fact[],
  remainder: Fact | undefined,
  language: Language,
): string[] {
  if (remainder) {
    const meaningful =
      headline === undefined
        ? remainder.value !== 0
        : Math.abs(remainder.value) >= Math.max(0.005 * Math.abs(headline.value), 0.0005);
    if (!meaningful) return [];
    const amount = signedQuantity(remainder.value, remainder.unit, language);
    return [
      language === 'es'
        ? `Los ${amount} restantes no se explican con los eventos registrados ${cite(remainder)}.`
        : `The remaining ${amount} is not explained by recorded events ${cite(remainder)}.`,
    ];
  }
  if (!headline || headline.value === 0) return [];
  if (causes.length === 0) {
    return [
      language === 'es'
        ? 'Ningún evento registrado en los datos explica esta variación.'
        : 'No recorded event in the data explains this variance.',
    ];
  }
  const explained = causes.reduce((sum, fact) => sum + fact.value, 0);
  const gap = Math.abs(headline.value - explained);
  if (gap <= Math.max(0.01 * Math.abs(headline.value), 0.05)) return [];
  return [
    language === 'es'
      ? 'Parte de la variación no se explica con los eventos registrados.'
      : 'Part of the variance is not explained by the recorded events.',
  ];
}

const FRONT_MATTER = /^---\n[\s\S]*?\n---\n/;
const MARKDOWN_NOISE_LINE = /^\s*(?:#|\||```|~~~|---|\*\*\*|___|>|<!--|!\[)/;
const METADATA_LINE = /^\s*[\w-]{2,24}:\s*(?:\[.*\]|\S+)\s*$/;

function cleanMarkdownInline(text: string): string {
  return text
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]*>/g, ' ')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(?<![\p{L}\p{N}])[*_](?=\S)(.+?)(?<=\S)[*_](?![\p{L}\p{N}])/gu, '$1')
    .replace(/`+([^`]*)`+/g, '$1')
    .replace(/\[\s*([DS])\s*(\d+)\s*\]/gi, '$1$2')
    .replace(/[[\]{}<>]/g, ' ')
    .replace(/["“”«»]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

function paragraphsOf(text: string): string[] {
  const paragraphs: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length > 0) paragraphs.push(current.join(' '));
    current = [];
  };
  for (const line of text.replace(/\r\n?/g, '\n').replace(FRONT_MATTER, '').split('\n')) {
    if (!line.trim() || MARKDOWN_NOISE_LINE.test(line) || METADATA_LINE.test(line)) {
      flush();
      continue;
    }
    const listItem = /^\s*(?:[-*+•]|\d+[.)])\s+/.exec(line);
    if (listItem) flush();
    current.push(line.slice(listItem?.[0].length ?? 0).trim());
  }
  flush();
  return paragraphs;
}

function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const cut = text.slice(0, maxLength);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > maxLength / 2 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:.—–-]+$/, '')}…`;
}

function meaningfulSentences(passage: Passage): string[] {
  const sentences: string[] = [];
  for (const source of [passage.text, passage.snippet]) {
    for (const paragraph of paragraphsOf(source ?? '')) {
      for (const rawSentence of splitSentences(cleanMarkdownInline(paragraph))) {
        const sentence = rawSentence.trim();
        const words = sentence.split(/\s+/).length;
        if (sentence.length < 25 || words < 4 || /:$/.test(sentence)) continue;
        if (looksLikePromptInjection(sentence) || PRODUCTION_FIGURE.test(sentence)) continue;
        sentences.push(sentence);
      }
    }
    if (sentences.length > 0) break;
  }
  return sentences;
}

/** A document sentence stating a production volume; never quoted, so a planted figure cannot pass as data. */
const PRODUCTION_FIGURE = /\d[\d.,]*\s*(?:bbl|barrels?|barriles|mscf|mmscf|sm3|m3|boe|bopd|stb)(?![\p{L}])/iu;

const looseForm = (text: string): string => foldText(text).replace(/[-_]+/g, ' ');

const mentionsKeyword = (sentence: string, keywords: readonly string[]): boolean => {
  const loose = looseForm(sentence);
  return keywords.some((keyword) => keyword.length >= 3 && loose.includes(looseForm(keyword)));
};

/**
 * The first meaningful sentence of a passage, cleaned of markdown (headings, tables, list markers,
 * emphasis, links, front matter), skipping fragments, list introductions and anything that reads like an
 * instruction to the model; among the first few, the first that mentions one of `keywords` wins. Returned
 * without its final punctuation and at most `maxLength` characters; null when there is no such sentence.
 */
export function passageExcerpt(
  passage: Passage,
  keywords: readonly string[] = [],
  maxLength = MAX_EXCERPT_LENGTH,
): string | null {
  const candidates = meaningfulSentences(passage);
  const chosen =
    candidates.slice(0, EXCERPT_LOOKAHEAD).find((sentence) => mentionsKeyword(sentence, keywords)) ??
    candidates[0];
  return chosen ? truncate(chosen.replace(/[.!?…]+$/, ''), maxLength) : null;
}

export function passageSentence(
  passage: Passage,
  keywords: readonly string[],
  language: Language,
): string | null {
  const title = cleanInline(cleanMarkdownInline(passage.title));
  const heading = passage.heading_path.length > 0 ? cleanInline(passage.heading_path.at(-1)!) : '';
  if (looksLikePromptInjection(title) || looksLikePromptInjection(heading)) return null;
  const excerpt = passageExcerpt(passage, keywords);
  if (!excerpt) return null;
  const docType = (DOC_TYPES[passage.doc_type] ?? DEFAULT_DOC_TYPE)[language];
  const section =
    heading && heading !== title ? (language === 'es' ? ` («${heading}»)` : ` (“${heading}”)`) : '';
  if (language === 'es') {
    return `Según ${docType} «${title}»${section}: «${excerpt}» [${passage.id}].`;
  }
  return `The ${docType} “${title}”${section} says: “${excerpt}” [${passage.id}].`;
}

function noDataSentence(understanding: QuestionUnderstanding, language: Language): string {
  const members = [...understanding.sites, ...understanding.assets].map(cleanInline);
  const range = understanding.range;
  if (language === 'es') {
    const scope = members.length > 0 ? ` para ${members.join(', ')}` : '';
    const when = range
      ? range.from === range.to
        ? ` el ${range.from}`
        : ` del ${range.from} al ${range.to}`
      : '';
    return `No encontré datos de producción que coincidan con la pregunta${scope}${when}.`;
  }
  const scope = members.length > 0 ? ` for ${members.join(', ')}` : '';
  const when = range
    ? range.from === range.to
      ? ` on ${range.from}`
      : ` from ${range.from} to ${range.to}`
    : '';
  return `I found no production data matching the question${scope}${when}.`;
}

/** The abstention text: what cannot be answered and why, in the question's language. */
export function composeAbstention(language: Language, reason: string): string {
  const trimmed = reason.trim().replace(/\s+/g, ' ');
  const fallback = ABSTAIN_REASONS.nothing_relevant[language];
  const body = trimmed || fallback;
  const ended = /[.!?…]$/.test(body) ? body : `${body}.`;
  return language === 'es'
    ? `No puedo responder a eso con los datos y documentos disponibles: ${ended}`
    : `I can't answer that from the available data and documents: ${ended}`;
}

/**
 * Composes a grounded explanation: the headline variance, the main causes (largest first), an anomaly,
 * forecasts and other figures, then what the top passages say (one quoted sentence each), and a closing
 * sentence when part of the variance is unexplained. With `abstainReason` it returns the abstention.
 */
export function composeAnswer(input: ComposeInput): ComposedAnswer {
  const language = input.understanding.language;
  if (input.abstainReason) return { text: composeAbstention(language, input.abstainReason), citedIds: [] };
  const byKind = (kind: FactKind) => input.facts.filter((fact) => classifyFact(fact) === kind);
  const variances = byKind('variance');
  const causeFacts = byKind('cause');
  const remainder = causeFacts.find(isUnexplained);
  const causes = causeFacts
    .filter((fact) => !isUnexplained(fact) && fact.value !== 0)
    .sort((left, right) => Math.abs(right.value) - Math.abs(left.value))
    .slice(0, MAX_CAUSES);
  const [headline, ...otherVariances] = variances;
  const forecasts = byKind('forecast');
  const dataSentences: string[] = [];
  if (input.understanding.wantsForecast) {
    dataSentences.push(...forecasts.map((fact) => forecastSentence(fact, input.understanding, language)));
  }
  if (headline) dataSentences.push(headlineSentence(headline, input.understanding, language));
  dataSentences.push(
    ...otherVariances
      .slice(0, 2)
      .map((fact) => secondaryVarianceSentence(fact, input.understanding, language)),
  );
  const dominated =
    remainder !== undefined &&
    causes[0] !== undefined &&
    Math.abs(remainder.value) > Math.abs(causes[0].value);
  dataSentences.push(...causeSentences(causes, language, remainder));
  const [anomaly] = byKind('anomaly');
  if (anomaly) dataSentences.push(anomalySentence(anomaly, input.understanding, language));
  if (!input.understanding.wantsForecast) {
    dataSentences.push(...forecasts.map((fact) => forecastSentence(fact, input.understanding, language)));
  }
  dataSentences.push(
    ...byKind('kpi')
      .slice(0, MAX_OTHER_FACTS)
      .map((fact) => kpiSentence(fact, language)),
  );
  if (!dominated) dataSentences.push(...unexplainedSentences(headline, causes, remainder, language));
  if (input.facts.length === 0) dataSentences.push(noDataSentence(input.understanding, language));

  const documentSentences = input.passages
    .map((passage) => passageSentence(passage, input.understanding.keywords, language))
    .filter((sentence): sentence is string => sentence !== null)
    .slice(0, MAX_PASSAGES);
  const text = [dataSentences.join(' '), documentSentences.join(' ')].filter(Boolean).join('\n\n');
  return { text, citedIds: extractCitations(text) };
}
