/**
 * Facts of a status question ("how are we doing"): per visible (or named) site, the latest day and the
 * month to date against plan, or against the previous period where there is no plan.
 */
import { addDays, startOfMonth } from '../../../dates.js';
import { previousPeriod } from '../plan/deterministic.js';
import {
  type FactContext,
  FactList,
  filtersFor,
  pctChange,
  roundVolume,
  siteName,
  sourceOf,
} from './context.js';

const MAX_SITES = 5;

/** The last day with production of the product at the site within the year before the as-of date. */
async function lastDayWithData(context: FactContext, site: string): Promise<string | null> {
  const filters = await filtersFor(
    context,
    { from: addDays(context.asOf, -365), to: context.asOf },
    { sites: [site], assets: context.plan.assets },
  );
  const { rows } = (await context.insights.productionAggregate(filters, ['date'])).value;
  let last: string | null = null;
  for (const row of rows)
    if (row.date && row.actual_volume !== null && row.actual_volume > 0) last = row.date;
  return last;
}

/** Facts of a status question. */
export async function statusFacts(context: FactContext): Promise<FactList> {
  const facts = new FactList();
  const { plan } = context;
  const es = plan.language === 'es';
  const sites = (
    plan.sites.length > 0
      ? plan.sites
      : context.catalog.sites
          .map((site) => site.id)
          .filter((site) => !context.allowedSites || context.allowedSites.includes(site))
  ).slice(0, MAX_SITES);
  for (const site of sites) {
    const lastDay = await lastDayWithData(context, site);
    if (!lastDay) continue;
    const periods = [
      { from: lastDay, to: lastDay, label: es ? 'último día' : 'latest day' },
      { from: startOfMonth(lastDay), to: lastDay, label: es ? 'mes en curso' : 'month to date' },
    ];
    for (const period of periods) {
      const filters = await filtersFor(context, period, { sites: [site], assets: plan.assets });
      const { rows, queryId } = (await context.insights.productionAggregate(filters, [])).value;
      const actual = rows[0]?.actual_volume;
      if (actual === null || actual === undefined) continue;
      let baseline = rows[0]?.planned_volume ?? null;
      let compare: 'plan' | 'previous_period' = 'plan';
      if (baseline === null || baseline === 0) {
        compare = 'previous_period';
        const before = previousPeriod(
          period.from === period.to ? { ...period, from: addDays(period.from, 0) } : period,
          plan.language,
        );
        const previous = await filtersFor(context, before, { sites: [site], assets: plan.assets });
        baseline =
          (await context.insights.productionAggregate(previous, [])).value.rows[0]?.actual_volume ?? null;
      }
      if (baseline === null) continue;
      const related: Record<string, number> = {
        actual: roundVolume(actual),
        baseline: roundVolume(baseline),
      };
      const pct = pctChange(actual, baseline);
      if (pct !== null) related.change_pct = pct;
      facts.add(
        {
          kind: 'variance',
          label: `${siteName(context.catalog, site)} ${period.label}`,
          metric: compare === 'plan' ? 'variance_vs_plan' : 'change_vs_previous_period',
          dims: {
            site,
            site_name: siteName(context.catalog, site),
            product: context.product,
            from: period.from,
            to: period.to,
            period: period.label,
            compare,
            ...(period.from === period.to ? { date: period.from } : {}),
          },
          value: roundVolume(actual - baseline),
          unit: context.unit,
          query_id: queryId,
          related,
          source: sourceOf('/insights/variance', filters, { compare, by: 'site' }),
        },
        context.asOf,
      );
    }
  }
  return facts;
}
