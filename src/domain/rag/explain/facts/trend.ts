/**
 * Facts of a trend question: the period split into months (over 62 days), weeks (over 14) or days, each
 * bucket's average daily volume; the first and last buckets, the highest, and the change between first
 * and last.
 */
import {
  type FactContext,
  FactList,
  filtersFor,
  pctChange,
  roundVolume,
  scopeDims,
  sourceOf,
} from './context.js';

interface Bucket {
  key: string;
  from: string;
  to: string;
  total: number;
  days: number;
}

const mondayOf = (date: string): string => {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return new Date(Date.parse(`${date}T00:00:00Z`) - ((day + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
};

/** Facts of a trend question. */
export async function trendFacts(context: FactContext): Promise<FactList> {
  const facts = new FactList();
  const period = context.plan.periods[0];
  if (!period) return facts;
  const es = context.plan.language === 'es';
  const filters = await filtersFor(context, period);
  const { rows, queryId } = (await context.insights.productionAggregate(filters, ['date'])).value;
  const span = (Date.parse(period.to) - Date.parse(period.from)) / 86_400_000 + 1;
  const keyOf = (date: string) => (span > 62 ? date.slice(0, 7) : span > 14 ? mondayOf(date) : date);
  const buckets = new Map<string, Bucket>();
  for (const row of rows) {
    if (row.actual_volume === null || !row.date) continue;
    const key = keyOf(row.date);
    const bucket = buckets.get(key) ?? { key, from: row.date, to: row.date, total: 0, days: 0 };
    bucket.total += row.actual_volume;
    bucket.days += 1;
    bucket.to = row.date;
    buckets.set(key, bucket);
  }
  const ordered = [...buckets.values()].sort((left, right) => left.key.localeCompare(right.key));
  if (ordered.length === 0) return facts;
  const dims = scopeDims(context, filters, period.label);
  const source = sourceOf('/insights/daily', filters);
  const average = (bucket: Bucket) => roundVolume(bucket.total / bucket.days);
  const addBucket = (bucket: Bucket, label: string) =>
    facts.add(
      {
        kind: 'kpi',
        label,
        metric: 'average_daily_volume',
        dims: { ...dims, from: bucket.from, to: bucket.to, bucket: bucket.key },
        value: average(bucket),
        unit: `${context.unit}/d`,
        query_id: queryId,
        related: { days: bucket.days },
        source: { ...source, params: { ...source.params, from: bucket.from, to: bucket.to } },
      },
      context.asOf,
    );
  const first = ordered[0]!;
  const last = ordered.at(-1)!;
  addBucket(first, es ? 'Promedio diario al inicio' : 'Average per day at the start');
  if (last !== first) addBucket(last, es ? 'Promedio diario al final' : 'Average per day at the end');
  const peak = ordered.reduce((best, bucket) => (average(bucket) > average(best) ? bucket : best), first);
  if (peak !== first && peak !== last)
    addBucket(peak, es ? 'Promedio diario más alto' : 'Highest average per day');
  if (last !== first) {
    const pct = pctChange(average(last), average(first));
    facts.add(
      {
        kind: 'variance',
        label: es
          ? 'Cambio del promedio diario del inicio al final'
          : 'Change in the daily average from start to end',
        metric: 'average_daily_volume_change',
        dims: {
          ...dims,
          compare: 'previous_period',
          trend: pct === null ? 'flat' : pct < -2 ? 'down' : pct > 2 ? 'up' : 'flat',
        },
        value: roundVolume(average(last) - average(first)),
        unit: `${context.unit}/d`,
        query_id: queryId,
        related: pct === null ? {} : { change_pct: pct },
        source,
      },
      context.asOf,
    );
  }
  return facts;
}
