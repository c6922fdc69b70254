import { type DataComposeInput, pctText } from './data-shared.js';
import { againstText, cite, productName, quantity } from './shared.js';

/** Status: per site, the latest day and month to date against plan (or the previous period). */
export function composeStatus({ facts, language }: DataComposeInput): string {
  const es = language === 'es';
  const lines = facts.map((fact) => {
    const actual = fact.related?.actual ?? 0;
    return es
      ? `${fact.dims.site_name}, ${fact.dims.period} (${fact.dims.from === fact.dims.to ? fact.dims.from : `${fact.dims.from} – ${fact.dims.to}`}): ${quantity(actual, fact.unit, language)} de ${productName(fact.dims.product, language)}, ${quantity(Math.abs(fact.value), fact.unit, language)}${pctText(fact, language)} ${againstText(fact.value, fact.dims.compare, language)} ${cite(fact)}.`
      : `${fact.dims.site_name}, ${fact.dims.period} (${fact.dims.from === fact.dims.to ? fact.dims.from : `${fact.dims.from} – ${fact.dims.to}`}): ${quantity(actual, fact.unit, language)} of ${productName(fact.dims.product, language)}, ${quantity(Math.abs(fact.value), fact.unit, language)}${pctText(fact, language)} ${againstText(fact.value, fact.dims.compare, language)} ${cite(fact)}.`;
  });
  return lines.join('\n');
}
