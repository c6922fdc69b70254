/**
 * Totals over a period (how much): the scope's actual volume with plan and days, per member when the
 * question names several or asks for a breakdown; on-stream facts when it asks about hours.
 */
import type { GroupDimension } from '../../../insights/query.js';
import type { Period } from '../plan/schema.js';
import {
  assetName,
  type FactContext,
  FactList,
  filtersFor,
  pctChange,
  roundVolume,
  scopeDims,
  siteName,
  sourceOf,
} from './context.js';
import { addUptimeFacts } from './uptime.js';

/** The scope's total over one period as a fact (null when there is no production data). */
export async function addTotalFact(
  context: FactContext,
  facts: FactList,
  period: Period,
  scope: { sites?: readonly string[]; assets?: readonly string[] } = {},
) {
  const filters = await filtersFor(context, period, scope);
  const { rows, queryId } = (await context.insights.productionAggregate(filters, ['date'])).value;
  const withData = rows.filter((row) => row.actual_volume !== null);
  if (withData.length === 0) return null;
  const actual = roundVolume(withData.reduce((sum, row) => sum + (row.actual_volume ?? 0), 0));
  const planRows = withData.filter((row) => row.planned_volume !== null);
  const plan =
    planRows.length > 0
      ? roundVolume(planRows.reduce((sum, row) => sum + (row.planned_volume ?? 0), 0))
      : null;
  const related: Record<string, number> = { days: withData.length };
  if (plan !== null && plan !== 0) {
    related.plan = plan;
    related.change = roundVolume(actual - plan);
    const change = pctChange(actual, plan);
    if (change !== null) related.change_pct = change;
  }
  const es = context.plan.language === 'es';
  const dims = scopeDims(context, filters, period.label);
  const subject = dims.asset_name ?? dims.site_name ?? (es ? 'Todos los sitios' : 'All sites');
  return facts.add(
    {
      kind: 'kpi',
      label: es
        ? `${subject}: volumen producido (${period.label})`
        : `${subject}: volume produced (${period.label})`,
      metric: 'actual_volume',
      dims,
      value: actual,
      unit: context.unit,
      query_id: queryId,
      related,
      source: sourceOf('/insights/daily', filters),
    },
    context.asOf,
  );
}

/** Per-member totals (asset, site or product) over a period, largest first. */
export async function memberTotals(
  context: FactContext,
  period: Pick<Period, 'from' | 'to'>,
  by: GroupDimension,
) {
  const filters = await filtersFor(context, period, by === 'product' ? { product: null } : {});
  const { rows, queryId } = (await context.insights.productionAggregate(filters, [by])).value;
  const members = rows
    .filter((row) => row.actual_volume !== null && row[by as 'asset'])
    .map((row) => ({
      member: String(row[by as 'asset']),
      actual: roundVolume(row.actual_volume ?? 0),
      plan: row.planned_volume === null ? null : roundVolume(row.planned_volume),
      uptime: row.uptime_hours,
    }));
  return { filters, queryId, members };
}

/** Display name of a member of a dimension. */
export function memberName(context: FactContext, by: GroupDimension, member: string): string {
  if (by === 'asset') return assetName(context.catalog, member);
  if (by === 'site') return siteName(context.catalog, member);
  if (by === 'product')
    return context.catalog.products.find((product) => product.id === member)?.name ?? member;
  return member;
}

/** Facts of a total question. */
export async function totalFacts(context: FactContext): Promise<FactList> {
  const facts = new FactList();
  const { plan } = context;
  const period = plan.periods[0];
  if (!period) return facts;
  if (plan.measure === 'uptime') {
    await addUptimeFacts(context, facts, period, 5);
    if (facts.facts.length > 0) return facts;
  }
  const several = plan.assets.length > 1 ? 'asset' : plan.sites.length > 1 ? 'site' : null;
  if (several) {
    for (const member of several === 'asset' ? plan.assets : plan.sites) {
      await addTotalFact(
        context,
        facts,
        period,
        several === 'asset' ? { assets: [member], sites: [] } : { sites: [member], assets: [] },
      );
    }
    return facts;
  }
  await addTotalFact(context, facts, period);
  return facts;
}
