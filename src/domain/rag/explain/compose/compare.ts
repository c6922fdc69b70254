import { type DataComposeInput, totalSentence } from './data-shared.js';
import { cite, quantity, signed } from './shared.js';

/** Compare: each period (or member) and the change between them. */
export function composeCompare({ facts, language }: DataComposeInput): string {
  const es = language === 'es';
  const totals = facts.filter((fact) => fact.metric === 'actual_volume');
  const change = facts.find(
    (fact) => fact.metric === 'actual_volume_change' || fact.metric === 'actual_volume_difference',
  );
  const sentences = totals.map((fact) => totalSentence(fact, language));
  if (change) {
    const currentAvg = change.related?.current_daily_avg;
    const baselineAvg = change.related?.baseline_daily_avg;
    const pct = change.related?.change_pct;
    const pctPart = pct === undefined ? '' : ` (${signed(pct, '%', language)})`;
    if (change.metric === 'actual_volume_change') {
      sentences.push(
        es
          ? `Frente a «${change.dims.baseline_period}», en «${change.dims.period}» el volumen cambió ${signed(change.value, change.unit, language)}${pctPart} ${cite(change)}.`
          : `Against “${change.dims.baseline_period}”, “${change.dims.period}” changed by ${signed(change.value, change.unit, language)}${pctPart} ${cite(change)}.`,
      );
      if (
        currentAvg !== undefined &&
        baselineAvg !== undefined &&
        change.related?.daily_avg_change_pct !== undefined
      ) {
        sentences.push(
          es
            ? `Por día: ${quantity(currentAvg, change.unit, language)} frente a ${quantity(baselineAvg, change.unit, language)} (${signed(change.related.daily_avg_change_pct, '%', language)}) ${cite(change)}.`
            : `Per day: ${quantity(currentAvg, change.unit, language)} against ${quantity(baselineAvg, change.unit, language)} (${signed(change.related.daily_avg_change_pct, '%', language)}) ${cite(change)}.`,
        );
      }
    } else {
      sentences.push(
        es
          ? `La diferencia es de ${signed(change.value, change.unit, language)}${pctPart} ${cite(change)}.`
          : `The difference is ${signed(change.value, change.unit, language)}${pctPart} ${cite(change)}.`,
      );
    }
  }
  return sentences.join(' ');
}
