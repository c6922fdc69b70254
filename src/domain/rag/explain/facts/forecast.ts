/**
 * Facts of a forecast question ("will we meet plan next week"): P10/P50/P90 summed over the asked future
 * range (labelled as a multi-day total with its day count), per named site or asset or over every visible
 * site, and the plan over the same days at the latest plan rate, with the gap between them.
 */
import { addDays, daysBetween } from '../../../dates.js';
import { DomainError } from '../../../errors.js';
import {
  assetName,
  type FactContext,
  FactList,
  filtersFor,
  pctChange,
  roundVolume,
  siteName,
} from './context.js';

const MAX_HORIZON = 180;
const PLAN_RATE_DAYS = 7;

/** Facts of a forecast question. */
export async function forecastFacts(context: FactContext): Promise<FactList> {
  const facts = new FactList();
  const { plan } = context;
  const period = plan.periods[0];
  if (!period) return facts;
  const es = plan.language === 'es';
  const from = period.from > context.asOf ? period.from : addDays(context.asOf, 1);
  const horizon = Math.min(MAX_HORIZON, daysBetween(context.asOf, period.to) - 1);
  if (horizon < 1) return facts;
  const scopes: Array<{ site?: string; asset?: string }> =
    plan.assets.length > 0
      ? plan.assets.slice(0, 3).map((asset) => ({ asset }))
      : (plan.sites.length > 0
          ? plan.sites
          : context.catalog.sites
              .map((site) => site.id)
              .filter((site) => !context.allowedSites || context.allowedSites.includes(site))
        )
          .slice(0, 6)
          .map((site) => ({ site }));
  let p10 = 0;
  let p50 = 0;
  let p90 = 0;
  let days = 0;
  let queryId = '';
  for (const scope of scopes) {
    try {
      const filters = await context.forecasts.resolveScope(
        { ...(scope.asset ? { asset: [scope.asset] } : { site: [scope.site!] }), product: [context.product] },
        context.allowedSites,
      );
      let forecast = (await context.forecasts.forecast({ filters, horizon, interval: 0.8, source: 'auto' }))
        .value;
      const ownHorizon = Math.min(MAX_HORIZON, daysBetween(forecast.as_of, period.to) - 1);
      if (ownHorizon > horizon) {
        forecast = (
          await context.forecasts.forecast({ filters, horizon: ownHorizon, interval: 0.8, source: 'auto' })
        ).value;
      }
      const points = forecast.points.filter((point) => point.date >= from && point.date <= period.to);
      if (points.length === 0) continue;
      p10 += points.reduce((sum, point) => sum + point.p10, 0);
      p50 += points.reduce((sum, point) => sum + point.p50, 0);
      p90 += points.reduce((sum, point) => sum + point.p90, 0);
      days = Math.max(days, points.length);
      queryId ||= forecast.query_ids[0] ?? forecast.source;
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'site_forbidden') throw error;
    }
  }
  if (days === 0) return facts;
  const subject =
    scopes.length === 1
      ? scopes[0]!.asset
        ? assetName(context.catalog, scopes[0]!.asset)
        : siteName(context.catalog, scopes[0]!.site!)
      : es
        ? 'Todos los sitios'
        : 'All sites';
  const dims: Record<string, string> = {
    product: context.product,
    from,
    to: period.to,
    period: period.label,
    subject,
    ...(scopes.length === 1 && scopes[0]!.site ? { site: scopes[0]!.site, site_name: subject } : {}),
    ...(scopes.length === 1 && scopes[0]!.asset ? { asset: scopes[0]!.asset, asset_name: subject } : {}),
  };
  const source = {
    path: '/insights/forecast',
    params: {
      ...(scopes.length === 1
        ? scopes[0]!.asset
          ? { asset: scopes[0]!.asset }
          : { site: scopes[0]!.site! }
        : {}),
      product: context.product,
      horizon: String(horizon),
    },
  };
  const forecastFact = facts.add(
    {
      kind: 'forecast',
      label: es ? `Pronóstico total de ${days} días (P50)` : `Forecast total over ${days} days (P50)`,
      metric: 'forecast_volume_total',
      dims,
      value: roundVolume(p50),
      unit: context.unit,
      query_id: queryId,
      related: { p10: roundVolume(p10), p90: roundVolume(p90), days },
      source,
    },
    context.asOf,
  );
  const recent = await filtersFor(
    context,
    { from: addDays(context.asOf, 1 - PLAN_RATE_DAYS), to: context.asOf },
    scopes.length === 1
      ? scopes[0]!.asset
        ? { assets: [scopes[0]!.asset], sites: [] }
        : { sites: [scopes[0]!.site!], assets: [] }
      : { sites: [], assets: [] },
  );
  const { rows, queryId: planQuery } = (await context.insights.productionAggregate(recent, [])).value;
  const planned = rows[0]?.planned_volume ?? null;
  if (planned !== null && planned > 0) {
    const planTotal = roundVolume((planned / PLAN_RATE_DAYS) * days);
    facts.add(
      {
        kind: 'kpi',
        label: es
          ? `Plan de ${days} días al ritmo del plan de los últimos ${PLAN_RATE_DAYS} días`
          : `Plan over the same ${days} days at the last ${PLAN_RATE_DAYS} days' plan rate`,
        metric: 'planned_volume_total',
        dims: { ...dims },
        value: planTotal,
        unit: context.unit,
        query_id: planQuery,
        related: { days },
        source: {
          path: '/insights/daily',
          params: { from: recent.from, to: recent.to, product: context.product },
        },
      },
      context.asOf,
    );
    const gap = roundVolume(forecastFact.value - planTotal);
    const related: Record<string, number> = { actual: forecastFact.value, baseline: planTotal };
    const pct = pctChange(forecastFact.value, planTotal);
    if (pct !== null) related.change_pct = pct;
    facts.add(
      {
        kind: 'variance',
        label: es ? 'Pronóstico P50 frente al plan' : 'Forecast P50 against plan',
        metric: 'forecast_vs_plan',
        dims: {
          ...dims,
          compare: 'plan',
          meets_plan: forecastFact.value >= planTotal ? 'yes' : 'no',
          p10_meets_plan: p10 >= planTotal ? 'yes' : 'no',
        },
        value: gap,
        unit: context.unit,
        query_id: queryId,
        related,
        source,
      },
      context.asOf,
    );
  }
  return facts;
}
