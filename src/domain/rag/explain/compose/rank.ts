/** Composer of rank questions (which / top N / least). */
import { formatPercent } from '../language.js';
import type { Fact } from '../types.js';
import { type DataComposeInput, pctText } from './data-shared.js';
import { againstText, cite, number, periodText, productName, quantity, signed } from './shared.js';

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
