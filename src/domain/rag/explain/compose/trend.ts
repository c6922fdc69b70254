import type { Fact } from '../types.js';
import type { DataComposeInput } from './data-shared.js';
import { cite, productName, quantity, signed, subjectOf } from './shared.js';

/** Trend: start, end (and peak) daily averages and the direction. */
export function composeTrend({ facts, language }: DataComposeInput): string {
  const es = language === 'es';
  const buckets = facts.filter((fact) => fact.metric === 'average_daily_volume');
  const change = facts.find((fact) => fact.metric === 'average_daily_volume_change');
  const [first, last, peak] = buckets;
  if (!first) return '';
  const subject = subjectOf(first, language);
  const product = productName(first.dims.product, language);
  const sentences: string[] = [];
  const bucketText = (fact: Fact) =>
    `${quantity(fact.value, fact.unit, language)} (${fact.dims.from} – ${fact.dims.to})`;
  if (last) {
    sentences.push(
      es
        ? `El promedio diario de ${product} en ${subject} pasó de ${bucketText(first)} ${cite(first)} a ${bucketText(last)} ${cite(last)}.`
        : `${subject}'s average daily ${product} went from ${bucketText(first)} ${cite(first)} to ${bucketText(last)} ${cite(last)}.`,
    );
  } else {
    sentences.push(
      es
        ? `El promedio diario de ${product} en ${subject} fue ${bucketText(first)} ${cite(first)}.`
        : `${subject}'s average daily ${product} was ${bucketText(first)} ${cite(first)}.`,
    );
  }
  if (change) {
    const direction = change.dims.trend;
    const pct = change.related?.change_pct;
    const word =
      direction === 'down'
        ? es
          ? 'a la baja'
          : 'downward'
        : direction === 'up'
          ? es
            ? 'al alza'
            : 'upward'
          : es
            ? 'estable'
            : 'flat';
    sentences.push(
      es
        ? `La tendencia es ${word}: ${signed(change.value, change.unit, language)}${pct === undefined ? '' : ` (${signed(pct, '%', language)})`} ${cite(change)}.`
        : `The trend is ${word}: ${signed(change.value, change.unit, language)}${pct === undefined ? '' : ` (${signed(pct, '%', language)})`} ${cite(change)}.`,
    );
  }
  if (peak) {
    sentences.push(
      es
        ? `El máximo fue ${bucketText(peak)} ${cite(peak)}.`
        : `The highest was ${bucketText(peak)} ${cite(peak)}.`,
    );
  }
  return sentences.join(' ');
}
