/**
 * Facts of a ranking question (which well / top N / most / least): members of the breakdown ranked by the
 * measure over the period: volume, change against plan (or the previous period without plan), on-stream
 * hours lost, or lost volume by cause.
 */
import type { GroupDimension } from '../../../insights/query.js';
import { previousPeriod } from '../plan/deterministic.js';
import type { FactSource } from '../types.js';
import { type FactContext, FactList, filtersFor, pctChange, roundVolume, sourceOf } from './context.js';
import { memberName, memberTotals } from './totals.js';
import { uptimeByAsset } from './uptime.js';

interface Ranked {
  member: string;
  value: number;
  related: Record<string, number>;
}

/** Facts of a rank question. */
export async function rankFacts(context: FactContext): Promise<FactList> {
  const facts = new FactList();
  const { plan } = context;
  const period = plan.periods[0];
  if (!period) return facts;
  const size = plan.rank?.size ?? 1;
  const bottom = plan.rank?.direction === 'bottom';
  const es = plan.language === 'es';

  if (plan.breakdown === 'cause' || plan.measure === 'lost_volume') {
    const filters = await filtersFor(context, period);
    const { causes, queryId } = (await context.insights.downtimeByCause(filters)).value;
    const ranked = causes.filter((cause) => cause.lost_volume > 0).slice(0, size);
    for (const [index, cause] of ranked.entries())
      facts.add(
        {
          kind: 'cause',
          label: es ? `Puesto ${index + 1} por volumen perdido` : `Rank ${index + 1} by lost volume`,
          metric: 'lost_volume',
          dims: {
            rank: String(index + 1),
            cause_code: cause.cause_code,
            from: filters.from,
            to: filters.to,
            product: context.product,
          },
          value: cause.lost_volume,
          unit: context.unit,
          query_id: queryId,
          related: { events: cause.events },
          cause: { code: cause.cause_code, category: cause.cause_category },
          source: sourceOf('/insights/variance', filters, { compare: 'plan', by: 'cause' }),
        },
        context.asOf,
      );
    return facts;
  }

  const by: GroupDimension =
    plan.breakdown === 'site' ? 'site' : plan.breakdown === 'product' ? 'product' : 'asset';
  let ranked: Ranked[];
  let metric: string;
  let unit = context.unit;
  let queryId: string;
  let source: FactSource;
  if (plan.measure === 'uptime' && by === 'asset') {
    const uptime = await uptimeByAsset(context, period);
    queryId = uptime.queryId;
    metric = 'on_stream_hours_lost';
    unit = 'h';
    source = sourceOf('/insights/daily', uptime.filters);
    ranked = uptime.assets
      .map((asset) => ({
        member: asset.asset,
        value: Math.round(asset.hoursLost * 10) / 10,
        related: { zero_hour_days: asset.zeroHourDays },
      }))
      .sort((left, right) => (bottom ? left.value - right.value : right.value - left.value));
  } else {
    const current = await memberTotals(context, period, by);
    queryId = current.queryId;
    source = sourceOf('/insights/daily', current.filters);
    const planned = current.members.some((member) => member.plan !== null && member.plan !== 0);
    if (plan.measure === 'variance') {
      metric = planned ? 'variance_vs_plan' : 'change_vs_previous_period';
      const baseline = planned
        ? new Map(current.members.map((member) => [member.member, member.plan ?? 0]))
        : new Map(
            (await memberTotals(context, previousPeriod(period, plan.language), by)).members.map((member) => [
              member.member,
              member.actual,
            ]),
          );
      source = sourceOf('/insights/variance', current.filters, {
        compare: planned ? 'plan' : 'previous_period',
        by,
      });
      ranked = current.members
        .map((member) => {
          const base = baseline.get(member.member) ?? 0;
          const change = roundVolume(member.actual - base);
          const related: Record<string, number> = { actual: member.actual, baseline: base };
          const pct = pctChange(member.actual, base);
          if (pct !== null) related.change_pct = pct;
          return { member: member.member, value: change, related };
        })
        .sort((left, right) => (bottom ? right.value - left.value : left.value - right.value));
    } else {
      metric = 'actual_volume';
      const total = current.members.reduce((sum, member) => sum + member.actual, 0);
      ranked = current.members
        .filter((member) => by !== 'asset' || member.actual > 0 || bottom)
        .map((member) => ({
          member: member.member,
          value: member.actual,
          related: (total > 0
            ? { share_pct: Math.round((member.actual / total) * 10_000) / 100 }
            : {}) as Record<string, number>,
        }))
        .sort((left, right) => (bottom ? left.value - right.value : right.value - left.value));
    }
  }
  for (const [index, entry] of ranked.slice(0, size).entries())
    facts.add(
      {
        kind: metric.startsWith('variance') || metric.startsWith('change') ? 'variance' : 'kpi',
        label: es ? `Puesto ${index + 1} de ${ranked.length}` : `Rank ${index + 1} of ${ranked.length}`,
        metric,
        dims: {
          rank: String(index + 1),
          [by]: entry.member,
          [`${by}_name`]: memberName(context, by, entry.member),
          from: period.from,
          to: period.to,
          period: period.label,
          product: by === 'product' ? entry.member : context.product,
        },
        value: entry.value,
        unit,
        query_id: queryId,
        related: entry.related,
        source: { ...source, params: { ...source.params } },
      },
      context.asOf,
    );
  return facts;
}
