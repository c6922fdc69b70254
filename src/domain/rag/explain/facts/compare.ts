/**
 * Facts of a comparison: two calendar periods of one scope (each total, then the change from the second
 * to the first), or two members over one period (each total, then their difference).
 */
import { type FactContext, FactList, pctChange, roundVolume } from './context.js';
import { addTotalFact } from './totals.js';

/** Facts of a compare question. */
export async function compareFacts(context: FactContext): Promise<FactList> {
  const facts = new FactList();
  const { plan } = context;
  const es = plan.language === 'es';
  const [first, second] = plan.periods;
  if (!first) return facts;
  if (second) {
    const current = await addTotalFact(context, facts, first);
    const baseline = await addTotalFact(context, facts, second);
    if (!current || !baseline) return facts;
    const currentDays = current.related?.days ?? 1;
    const baselineDays = baseline.related?.days ?? 1;
    const related: Record<string, number> = {
      actual: current.value,
      baseline: baseline.value,
      current_daily_avg: roundVolume(current.value / currentDays),
      baseline_daily_avg: roundVolume(baseline.value / baselineDays),
    };
    const pct = pctChange(current.value, baseline.value);
    if (pct !== null) related.change_pct = pct;
    const dailyPct = pctChange(related.current_daily_avg!, related.baseline_daily_avg!);
    if (dailyPct !== null && currentDays !== baselineDays) related.daily_avg_change_pct = dailyPct;
    facts.add(
      {
        kind: 'variance',
        label: es
          ? `Cambio de ${second.label} a ${first.label}`
          : `Change from ${second.label} to ${first.label}`,
        metric: 'actual_volume_change',
        dims: {
          ...current.dims,
          compare: 'previous_period',
          baseline_from: second.from,
          baseline_to: second.to,
          baseline_period: second.label,
        },
        value: roundVolume(current.value - baseline.value),
        unit: context.unit,
        query_id: current.query_id,
        related,
        source: current.source,
      },
      context.asOf,
    );
    return facts;
  }
  const members: Array<{ sites?: string[]; assets?: string[] }> =
    plan.assets.length >= 2
      ? plan.assets.slice(0, 4).map((asset) => ({ assets: [asset], sites: [] }))
      : plan.sites.slice(0, 4).map((site) => ({ sites: [site], assets: [] }));
  const totals = [];
  for (const member of members) {
    const fact = await addTotalFact(context, facts, first, member);
    if (fact) totals.push(fact);
  }
  const [left, right] = totals;
  if (left && right) {
    const related: Record<string, number> = { actual: left.value, baseline: right.value };
    const pct = pctChange(left.value, right.value);
    if (pct !== null) related.change_pct = pct;
    facts.add(
      {
        kind: 'kpi',
        label: es ? 'Diferencia entre los dos' : 'Difference between the two',
        metric: 'actual_volume_difference',
        dims: { from: first.from, to: first.to, product: context.product },
        value: roundVolume(left.value - right.value),
        unit: context.unit,
        query_id: left.query_id,
        related,
        source: left.source,
      },
      context.asOf,
    );
  }
  return facts;
}
