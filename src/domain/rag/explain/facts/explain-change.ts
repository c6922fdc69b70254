/**
 * Facts of a "why" question: the change against plan (or the previous period without plan) split by
 * downtime cause with the unexplained remainder, the largest per-asset contributors, planned deferment,
 * the events behind the causes (equipment, start/end), on-stream hours lost and shut-in days, a
 * reservoir-decline trend and anomalous days.
 */
import { addDays } from '../../../dates.js';
import { DomainError } from '../../../errors.js';
import type { InsightFilters } from '../../../insights/query.js';
import type { Comparison } from '../../../insights/variance.js';
import { type FactContext, FactList, filtersFor, memberLabel, scopeDims, sourceOf } from './context.js';
import { addEventFacts } from './events.js';
import { addUptimeFacts } from './uptime.js';

/** Points of actual-vs-plan lost between the previous 60 days and the last 30 that count as a decline. */
const TREND_DROP_POINTS = 5;
const MAX_CAUSES = 4;
const MAX_ASSETS = 3;

/** Facts of an explain_change question. */
export async function explainChangeFacts(context: FactContext): Promise<FactList> {
  const facts = new FactList();
  const { plan } = context;
  const period = plan.periods[0];
  if (!period) return facts;
  let filters: InsightFilters;
  try {
    filters = await filtersFor(context, period);
  } catch (error) {
    if (error instanceof DomainError && error.code !== 'site_forbidden') return facts;
    throw error;
  }
  const dims = scopeDims(context, filters, period.label);
  const comparisons: Comparison[] =
    plan.compare_to === 'previous_period' ? ['previous_period'] : [plan.compare_to, 'previous_period'];
  let compare: Comparison | null = null;
  let unexplained = 0;
  let explainedCauses: string[] = [];
  for (const candidate of comparisons) {
    try {
      const variance = (await context.insights.variance(filters, candidate, 'cause')).value;
      compare = candidate;
      const total = variance.total;
      const withCompare = { ...dims, compare: candidate };
      const source = sourceOf('/insights/variance', filters, { compare: candidate, by: 'cause' });
      facts.add(
        {
          kind: 'variance',
          label: `${memberLabel(dims)} ${context.product} change vs ${candidate.replace('_', ' ')}`,
          metric: 'actual_volume_change',
          dims: withCompare,
          value: total.change,
          unit: variance.unit,
          query_id: variance.query_ids[0] ?? '',
          related: {
            actual: total.current,
            baseline: total.baseline,
            ...(total.change_pct === null ? {} : { change_pct: total.change_pct }),
          },
          source,
        },
        context.asOf,
      );
      const causes = variance.contributors
        .filter((contributor) => contributor.change !== 0)
        .sort((left, right) => Math.abs(right.change) - Math.abs(left.change))
        .slice(0, MAX_CAUSES);
      for (const cause of causes) {
        if (cause.member === 'unexplained') unexplained = cause.change;
        else explainedCauses.push(cause.member);
        facts.add(
          {
            kind: 'cause',
            label: `${cause.member} contribution to the change`,
            metric: 'lost_volume_contribution',
            dims: { ...withCompare, cause_code: cause.member },
            value: cause.change,
            unit: variance.unit,
            query_id: variance.query_ids.at(-1) ?? '',
            cause: {
              code: cause.member,
              category: cause.member === 'unexplained' ? 'unexplained' : 'downtime',
            },
            source,
          },
          context.asOf,
        );
      }
      break;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  }
  if (facts.facts.length === 0 || compare === null) return facts;
  explainedCauses = explainedCauses.slice(0, 3);

  if (plan.assets.length !== 1) await addAssetContributors(context, facts, filters, compare);

  if (compare !== 'previous_period') {
    const downtime = (await context.insights.downtimeByCause(filters)).value;
    for (const cause of downtime.causes
      .filter((candidate) => candidate.cause_category === 'planned' && candidate.lost_volume > 0)
      .slice(0, 2)) {
      facts.add(
        {
          kind: 'kpi',
          label:
            plan.language === 'es'
              ? `Parada planificada ${cause.cause_code} (ya incluida en el plan), volumen diferido`
              : `Planned downtime ${cause.cause_code} (already in the plan), deferred volume`,
          metric: 'lost_volume',
          dims: { ...dims, cause_code: cause.cause_code, cause_category: 'planned' },
          value: cause.lost_volume,
          unit: context.unit,
          query_id: downtime.queryId,
          cause: { code: cause.cause_code, category: 'planned' },
          source: sourceOf('/insights/variance', filters, { compare: 'plan', by: 'cause' }),
        },
        context.asOf,
      );
    }
  }
  if (explainedCauses.length > 0)
    await addEventFacts(context, facts, period, { limit: 3, causes: explainedCauses });
  const headline = facts.facts[0]!;
  if (headline.value < 0 && Math.abs(unexplained) >= Math.abs(headline.value) / 2) {
    await addUptimeFacts(context, facts, period, 3);
  }
  await addDeclineTrend(context, facts, filters, dims);
  await addAnomalies(context, facts, filters);
  return facts;
}

async function addAssetContributors(
  context: FactContext,
  facts: FactList,
  filters: InsightFilters,
  compare: Comparison,
): Promise<void> {
  try {
    const variance = (await context.insights.variance(filters, compare, 'asset')).value;
    const es = context.plan.language === 'es';
    for (const contributor of variance.contributors
      .filter((candidate) => candidate.change < 0)
      .sort((left, right) => left.change - right.change)
      .slice(0, MAX_ASSETS)) {
      facts.add(
        {
          kind: 'kpi',
          label: es
            ? `${contributor.member}: aporte al cambio por pozo`
            : `${contributor.member}: contribution to the change by well`,
          metric: 'asset_change_contribution',
          dims: {
            asset: contributor.member,
            asset_name: contributor.label,
            from: filters.from,
            to: filters.to,
            compare,
          },
          value: contributor.change,
          unit: variance.unit,
          query_id: variance.query_ids[0] ?? '',
          related: contributor.change_pct === null ? {} : { change_pct: contributor.change_pct },
          source: sourceOf('/insights/variance', filters, { compare, by: 'asset' }),
        },
        context.asOf,
      );
    }
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
  }
}

async function addDeclineTrend(
  context: FactContext,
  facts: FactList,
  filters: InsightFilters,
  dims: Record<string, string>,
): Promise<void> {
  if (!filters.assets?.length && !filters.sites?.length) return;
  const recent = { ...filters, from: addDays(filters.to, -29) };
  const earlier = { ...filters, from: addDays(filters.to, -89), to: addDays(filters.to, -30) };
  try {
    const [now, before, downtime] = await Promise.all([
      context.insights.variance(recent, 'plan', 'cause'),
      context.insights.variance(earlier, 'plan', 'cause'),
      context.insights.downtimeByCause(recent),
    ]);
    const nowPct = now.value.total.change_pct;
    const beforePct = before.value.total.change_pct;
    if (nowPct === null || beforePct === null || nowPct - beforePct > -TREND_DROP_POINTS) return;
    const unplannedLoss = downtime.value.causes
      .filter((cause) => cause.cause_category === 'unplanned')
      .reduce((total, cause) => total + cause.lost_volume, 0);
    if (unplannedLoss >= Math.abs(now.value.total.change) / 2) return;
    facts.add(
      {
        kind: 'kpi',
        label:
          context.plan.language === 'es'
            ? 'Variación frente al plan en los últimos 30 días (%), empeorando sin paradas que la expliquen: el patrón de declinación del reservorio DEC-RES'
            : 'Variance vs plan over the last 30 days (%), worsening without downtime to explain it: the DEC-RES reservoir-decline pattern',
        metric: 'variance_vs_plan_pct',
        dims: { ...dims, from: recent.from, to: recent.to, cause_code: 'DEC-RES' },
        value: nowPct,
        unit: '%',
        query_id: now.value.query_ids[0] ?? '',
        related: { previous_60_days_pct: beforePct },
        cause: { code: 'DEC-RES', category: 'trend' },
        source: sourceOf('/insights/variance', recent, { compare: 'plan', by: 'cause' }),
      },
      context.asOf,
    );
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
  }
}

async function addAnomalies(context: FactContext, facts: FactList, filters: InsightFilters): Promise<void> {
  try {
    const anomalies = (await context.insights.anomalies(filters, 'medium')).value;
    for (const anomaly of anomalies.anomalies
      .filter((candidate) => candidate.product_id === context.product)
      .slice(0, 2)) {
      facts.add(
        {
          kind: 'anomaly',
          label: `Unusual ${anomaly.direction} at ${anomaly.label} on ${anomaly.date}`,
          metric: 'actual_volume',
          dims: {
            ...(anomaly.scope === 'site'
              ? { site: anomaly.member, site_name: anomaly.label }
              : { asset: anomaly.member, asset_name: anomaly.label }),
            product: context.product,
            date: anomaly.date,
          },
          value: anomaly.actual,
          unit: anomaly.unit,
          query_id: anomalies.queryIds[0] ?? '',
          related: { expected: anomaly.expected },
          source: sourceOf('/insights/anomalies', filters, { sensitivity: 'medium' }),
        },
        context.asOf,
      );
    }
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
  }
}
