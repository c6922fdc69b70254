/**
 * Facts of an events question ("what happened", shut-ins, downtime list): downtime events with equipment,
 * cause and start/end, largest loss first, then on-stream hours lost and zero-hour days per asset.
 */
import { lostInRange } from '../../../insights/events.js';
import { assetName, type FactContext, FactList, filtersFor, roundVolume, sourceOf } from './context.js';
import { addUptimeFacts } from './uptime.js';

const MAX_EVENTS = 6;

/** Adds up to `limit` downtime events of the period to `facts` (largest prorated loss first). */
export async function addEventFacts(
  context: FactContext,
  facts: FactList,
  period: { from: string; to: string },
  options: { limit?: number; causes?: readonly string[] } = {},
): Promise<number> {
  const filters = await filtersFor(context, period, { product: null });
  const { events, queryId } = (await context.insights.downtimeEventRows(filters)).value;
  const chosen = events
    .filter((event) => !options.causes || options.causes.includes(event.cause_code))
    .filter((event) => event.product_id === null || event.product_id === context.product)
    .map((event) => ({
      event,
      lost:
        event.product_id === null || event.product_id === context.product
          ? roundVolume(lostInRange(event, filters.from, filters.to))
          : 0,
    }))
    .sort((left, right) => right.lost - left.lost || left.event.start_ts.localeCompare(right.event.start_ts))
    .slice(0, options.limit ?? MAX_EVENTS)
    .sort((left, right) => left.event.start_ts.localeCompare(right.event.start_ts));
  for (const { event, lost } of chosen) {
    facts.add(
      {
        kind: 'event',
        label: `${event.cause_code} ${event.asset_id}`,
        metric: 'lost_volume',
        dims: {
          event_id: event.event_id,
          asset: event.asset_id,
          asset_name: assetName(context.catalog, event.asset_id),
          site: event.site_id,
          cause_code: event.cause_code,
          cause_category: event.cause_category,
          start: event.start_ts.slice(0, 16).replace('T', ' '),
          end: event.end_ts.slice(0, 16).replace('T', ' '),
          product: context.product,
        },
        value: lost,
        unit: context.unit,
        query_id: queryId,
        cause: { code: event.cause_code, category: event.cause_category },
        source: sourceOf('/insights/variance', filters, { compare: 'plan', by: 'cause' }),
      },
      context.asOf,
    );
  }
  return chosen.length;
}

/** Facts of an events question. */
export async function eventsFacts(context: FactContext): Promise<FactList> {
  const facts = new FactList();
  const period = context.plan.periods[0];
  if (!period) return facts;
  await addEventFacts(context, facts, period);
  await addUptimeFacts(context, facts, period, 5);
  return facts;
}
