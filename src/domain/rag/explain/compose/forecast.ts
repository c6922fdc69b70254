import { type DataComposeInput, pctText } from './data-shared.js';
import { againstText, cite, number, periodText, productName, quantity, signed, subjectOf } from './shared.js';

/** Forecast: the multi-day P50 total with P10–P90, plan over the same days and whether plan is met. */
export function composeForecast({ facts, language }: DataComposeInput): string {
  const es = language === 'es';
  const forecast = facts.find((fact) => fact.kind === 'forecast');
  if (!forecast) return '';
  const planFact = facts.find((fact) => fact.metric === 'planned_volume_total');
  const gap = facts.find((fact) => fact.metric === 'forecast_vs_plan');
  const days = forecast.related?.days ?? 0;
  const product = productName(forecast.dims.product, language);
  const subject = subjectOf(forecast, language);
  const p10 = forecast.related?.p10;
  const p90 = forecast.related?.p90;
  const range =
    p10 !== undefined && p90 !== undefined
      ? ` (P10 ${quantity(p10, forecast.unit, language)}, P90 ${quantity(p90, forecast.unit, language)})`
      : '';
  const sentences = [
    es
      ? `El pronóstico de ${product} para ${subject} suma ${quantity(forecast.value, forecast.unit, language)} en total (P50) en los ${number(days, language)} días ${periodText(forecast.dims, language)}${range} ${cite(forecast)}.`
      : `The ${product} forecast for ${subject} totals ${quantity(forecast.value, forecast.unit, language)} (P50) over the ${number(days, language)} days ${periodText(forecast.dims, language)}${range} ${cite(forecast)}.`,
  ];
  if (planFact && gap) {
    const meets = gap.dims.meets_plan === 'yes';
    const verdict = meets
      ? es
        ? 'se espera cumplir el plan'
        : 'plan is expected to be met'
      : es
        ? 'no se espera cumplir el plan'
        : 'plan is not expected to be met';
    sentences.push(
      es
        ? `El plan para esos días es ${quantity(planFact.value, planFact.unit, language)} ${cite(planFact)}, así que el P50 queda ${signed(gap.value, gap.unit, language)}${pctText(gap, language)} ${againstText(gap.value, 'plan', language)}: ${verdict} ${cite(gap)}.`
        : `Plan for those days is ${quantity(planFact.value, planFact.unit, language)} ${cite(planFact)}, so the P50 is ${signed(gap.value, gap.unit, language)}${pctText(gap, language)} ${againstText(gap.value, 'plan', language)}: ${verdict} ${cite(gap)}.`,
    );
  }
  return sentences.join(' ');
}
