/**
 * Phrasing shared by the per-intent composers: quantities, periods, subjects, events and the abstention
 * sentence, in English or Spanish. Every figure printed is a fact's value or related value.
 */
import { formatNumber, formatPercent, formatQuantity, MINUS } from '../language.js';
import type { Fact, Language } from '../types.js';

/** `[D1]`. */
export const cite = (fact: { id: string }): string => `[${fact.id}]`;

/** A quantity with its unit in the answer's number style. */
export const quantity = (value: number, unit: string, language: Language): string =>
  formatQuantity(value, unit, language);

/** A signed quantity: `+12 bbl`, `−3.5 bbl`. */
export function signed(value: number, unit: string, language: Language): string {
  const text = formatQuantity(value, unit, language);
  return value > 0 && !text.startsWith(MINUS) && /[1-9]/.test(text) ? `+${text}` : text;
}

/** A percentage with its sign. */
export const signedPercent = (value: number, language: Language): string =>
  `${value > 0 ? '+' : ''}${formatPercent(value, language).replace('-', MINUS)}`;

/** A number without unit. */
export const number = (value: number, language: Language): string => formatNumber(value, language);

/** `on 2025-06-14` / `from 2025-06-01 to 2025-06-15`, with the question's label when it differs. */
export function periodText(dims: Record<string, string>, language: Language): string {
  const { from, to, period } = dims;
  const es = language === 'es';
  if (!from || !to) return '';
  const range =
    from === to ? (es ? `el ${from}` : `on ${from}`) : es ? `del ${from} al ${to}` : `from ${from} to ${to}`;
  return period && !/\d{4}-\d{2}-\d{2}/.test(period) ? `${range} (${period.replace(/[[\]]/g, '')})` : range;
}

const PRODUCT_NAMES: Readonly<Record<string, Record<Language, string>>> = {
  oil: { en: 'oil', es: 'petróleo' },
  gas: { en: 'gas', es: 'gas' },
  water: { en: 'water', es: 'agua' },
  water_injection: { en: 'injected water', es: 'agua inyectada' },
};

/** The product's name in the answer's language. */
export const productName = (product: string | undefined, language: Language): string =>
  product ? (PRODUCT_NAMES[product]?.[language] ?? product) : '';

/** The subject of a fact: asset, site or a generic "all sites". */
export function subjectOf(fact: Fact, language: Language): string {
  return (
    fact.dims.asset_name ??
    fact.dims.site_name ??
    fact.dims.subject ??
    fact.dims.asset ??
    fact.dims.site ??
    (language === 'es' ? 'Todos los sitios visibles' : 'All visible sites')
  );
}

/** "under plan" / "por debajo del plan" and friends. */
export function againstText(change: number, compare: string | undefined, language: Language): string {
  const baseline =
    compare === 'previous_period'
      ? language === 'es'
        ? 'el período anterior'
        : 'the previous period'
      : compare === 'forecast'
        ? language === 'es'
          ? 'el pronóstico'
          : 'forecast'
        : language === 'es'
          ? 'el plan'
          : 'plan';
  if (language === 'es') {
    const de = baseline.startsWith('el ') ? `del ${baseline.slice(3)}` : `de ${baseline}`;
    return change < 0 ? `por debajo ${de}` : change > 0 ? `por encima ${de}` : `en línea con ${baseline}`;
  }
  return change < 0 ? `under ${baseline}` : change > 0 ? `above ${baseline}` : `in line with ${baseline}`;
}

/** One downtime event or shut-in fact as a sentence with its times. */
export function eventSentence(fact: Fact, language: Language): string {
  const es = language === 'es';
  if (fact.metric === 'on_stream_hours_lost') {
    const zero = fact.related?.zero_hour_days ?? 0;
    const who =
      fact.dims.asset_name ?? fact.dims.asset ?? (es ? 'Los activos del alcance' : 'The assets in scope');
    const shut =
      zero > 0
        ? es
          ? `, con ${number(zero, language)} días en cero horas (cerrado${fact.dims.shut_in_from ? ` entre el ${fact.dims.shut_in_from} y el ${fact.dims.shut_in_to}` : ''})`
          : `, with ${number(zero, language)} zero-hour days (shut in${fact.dims.shut_in_from ? ` between ${fact.dims.shut_in_from} and ${fact.dims.shut_in_to}` : ''})`
        : '';
    return es
      ? `${who} perdió ${quantity(fact.value, 'h', language)} en línea${shut} ${cite(fact)}.`
      : `${who} lost ${quantity(fact.value, 'h', language)} on stream${shut} ${cite(fact)}.`;
  }
  const equipment = fact.dims.asset_name ?? fact.dims.asset ?? '';
  const category =
    fact.dims.cause_category === 'planned'
      ? es
        ? 'planificado'
        : 'planned'
      : es
        ? 'no planificado'
        : 'unplanned';
  const lost =
    fact.value > 0
      ? es
        ? `, ${quantity(fact.value, fact.unit, language)} perdidos`
        : `, ${quantity(fact.value, fact.unit, language)} lost`
      : '';
  return es
    ? `${fact.dims.cause_code} en ${equipment} (${category}), desde ${fact.dims.start} hasta ${fact.dims.end}${lost} ${cite(fact)}.`
    : `${fact.dims.cause_code} on ${equipment} (${category}), from ${fact.dims.start} to ${fact.dims.end}${lost} ${cite(fact)}.`;
}

/** The one-sentence abstention of an out-of-scope question, in its language. */
export const OUT_OF_SCOPE_SENTENCE: Readonly<Record<Language, string>> = {
  en: 'I can only answer questions about production operations on your sites: volumes, plan and variance, downtime and shut-ins, forecasts and runbook procedures.',
  es: 'Solo puedo responder preguntas sobre las operaciones de producción de sus sitios: volúmenes, plan y variaciones, paradas y cierres, pronósticos y procedimientos de los runbooks.',
};
