/**
 * Composers of the data intents whose answers are short and figure-led: total, rank, compare, trend,
 * forecast, events and status. Each states its facts in the question's language and cites every figure.
 */
import { formatPercent } from '../language.js';
import type { QuestionPlan } from '../plan/schema.js';
import type { Fact, Language } from '../types.js';
import {
  againstText,
  cite,
  eventSentence,
  number,
  periodText,
  productName,
  quantity,
  signed,
  subjectOf,
} from './shared.js';

/** Inputs of a data composer. */
export interface DataComposeInput {
  plan: QuestionPlan;
  facts: readonly Fact[];
  language: Language;
}

const pctText = (fact: Fact, language: Language): string => {
  const pct = fact.related?.change_pct;
  return pct === undefined ? '' : ` (${formatPercent(Math.abs(pct), language)})`;
};

function totalSentence(fact: Fact, language: Language): string {
  const es = language === 'es';
  const product = productName(fact.dims.product, language);
  const days = fact.related?.days;
  const daysText =
    days && days > 1
      ? es
        ? `, ${number(days, language)} días con datos`
        : `, ${number(days, language)} days with data`
      : '';
  const plan = fact.related?.plan;
  const planText =
    plan !== undefined
      ? es
        ? `; el plan era ${quantity(plan, fact.unit, language)}, ${quantity(Math.abs(fact.value - plan), fact.unit, language)}${pctText(fact, language)} ${againstText(fact.value - plan, 'plan', language)}`
        : `; plan was ${quantity(plan, fact.unit, language)}, ${quantity(Math.abs(fact.value - plan), fact.unit, language)}${pctText(fact, language)} ${againstText(fact.value - plan, 'plan', language)}`
      : '';
  return es
    ? `${subjectOf(fact, language)} produjo ${quantity(fact.value, fact.unit, language)} de ${product} ${periodText(fact.dims, language)}${daysText}${planText} ${cite(fact)}.`
    : `${subjectOf(fact, language)} produced ${quantity(fact.value, fact.unit, language)} of ${product} ${periodText(fact.dims, language)}${daysText}${planText} ${cite(fact)}.`;
}

/** Total: the scope's volume (and plan) per member named. */
export function composeTotal({ facts, language }: DataComposeInput): string {
  return facts
    .map((fact) =>
      fact.metric === 'on_stream_hours_lost'
        ? fact.kind === 'event'
          ? eventSentence(fact, language)
          : language === 'es'
            ? `En total se perdieron ${quantity(fact.value, 'h', language)} en línea, con ${number(fact.related?.zero_hour_days ?? 0, language)} días-pozo en cero horas ${cite(fact)}.`
            : `In total ${quantity(fact.value, 'h', language)} on stream were lost, with ${number(fact.related?.zero_hour_days ?? 0, language)} zero-hour asset-days ${cite(fact)}.`
        : totalSentence(fact, language),
    )
    .join(' ');
}

function rankedName(fact: Fact): string {
  return fact.dims.asset_name ?? fact.dims.site_name ?? fact.dims.product_name ?? fact.dims.cause_code ?? '';
}

/** Rank: the members in order with their figures. */
export function composeRank({ plan, facts, language }: DataComposeInput): string {
  const es = language === 'es';
  const [first] = facts;
  if (!first) return '';
  const product = productName(first.dims.product, language);
  const period = periodText(first.dims, language);
  const figure = (fact: Fact) => {
    if (fact.metric === 'on_stream_hours_lost')
      return es
        ? `${quantity(fact.value, 'h', language)} perdidas en línea, ${number(fact.related?.zero_hour_days ?? 0, language)} días en cero horas`
        : `${quantity(fact.value, 'h', language)} lost on stream, ${number(fact.related?.zero_hour_days ?? 0, language)} zero-hour days`;
    if (fact.kind === 'variance')
      return `${signed(fact.value, fact.unit, language)}${pctText(fact, language)} ${againstText(fact.value, fact.metric === 'variance_vs_plan' ? 'plan' : 'previous_period', language)}`;
    if (fact.metric === 'lost_volume')
      return es
        ? `${quantity(fact.value, fact.unit, language)} perdidos`
        : `${quantity(fact.value, fact.unit, language)} lost`;
    const share = fact.related?.share_pct;
    return `${quantity(fact.value, fact.unit, language)}${share !== undefined ? (es ? `, ${formatPercent(share, language)} del total` : `, ${formatPercent(share, language)} of the total`) : ''}`;
  };
  if (facts.length === 1) {
    const lead =
      first.kind === 'variance'
        ? es
          ? 'El que más aportó a la variación fue'
          : 'The largest contributor to the variance was'
        : plan.rank?.direction === 'bottom'
          ? es
            ? 'El de menor valor fue'
            : 'The lowest was'
          : es
            ? 'El primero fue'
            : 'The top one was';
    const what = first.metric === 'actual_volume' ? (es ? ` en ${product}` : ` in ${product}`) : '';
    return `${lead} ${rankedName(first)}${what} ${period}: ${figure(first)} ${cite(first)}.`;
  }
  const header = es
    ? `Clasificación ${period}${first.metric === 'actual_volume' ? ` por ${product}` : ''}:`
    : `Ranking ${period}${first.metric === 'actual_volume' ? ` by ${product}` : ''}:`;
  const lines = facts.map(
    (fact, index) => `${index + 1}. ${rankedName(fact)}: ${figure(fact)} ${cite(fact)}.`,
  );
  return [header, ...lines].join('\n');
}

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

/** Events: each event with equipment, cause and times, then on-stream losses. */
export function composeEvents({ facts, language }: DataComposeInput): string {
  const es = language === 'es';
  const events = facts.filter((fact) => fact.kind === 'event' && fact.metric === 'lost_volume');
  const uptime = facts.filter((fact) => fact.metric === 'on_stream_hours_lost');
  const lines: string[] = [];
  if (events.length > 0) {
    lines.push(es ? 'Eventos de parada registrados:' : 'Recorded downtime events:');
    for (const fact of events) lines.push(`- ${eventSentence(fact, language)}`);
  } else {
    lines.push(
      es
        ? 'No hay eventos de parada registrados en ese período.'
        : 'No downtime events are recorded in that period.',
    );
  }
  const total = uptime.find((fact) => fact.kind !== 'event');
  if (total) {
    lines.push(
      es
        ? `En línea se perdieron ${quantity(total.value, 'h', language)} en total, con ${number(total.related?.zero_hour_days ?? 0, language)} días-activo en cero horas ${cite(total)}.`
        : `On stream, ${quantity(total.value, 'h', language)} were lost in total, with ${number(total.related?.zero_hour_days ?? 0, language)} zero-hour asset-days ${cite(total)}.`,
    );
  }
  for (const fact of uptime.filter((candidate) => candidate.kind === 'event'))
    lines.push(`- ${eventSentence(fact, language)}`);
  return lines.join('\n');
}

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
