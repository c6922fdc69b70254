import {
  type AssetRow,
  assetIdsOfSite,
  type CauseCategory,
  DEMO_ASSETS,
  DEMO_CAUSE_CODES,
  DEMO_FACILITIES,
  DEMO_PRODUCT_IDS,
  DEMO_PRODUCTS,
  DEMO_SITES,
  DEMO_WELLS,
  type DemoCauseCode,
  type DemoProductId,
  type ProductRow,
  type SiteRow,
  siteOfAsset,
  type WellProfile,
} from './catalog.js';
import {
  compactEpochDay,
  dayOfWeek,
  epochDayOf,
  formatEpochDay,
  formatTimestamp,
  parseIsoDate,
  yearMonth,
} from './dates.js';
import {
  clockTime,
  deferredByFacilityDescription,
  facilityMaintenanceDescription,
  minorEventDescription,
  type OperatorLanguage,
} from './descriptions.js';
import { DEMO_INCIDENT_IDS, type DemoIncident, demoIncidents } from './incidents.js';
import { gaussian, pickWeighted, randomStream, uniform } from './random.js';

export {
  DEMO_INCIDENT_IDS,
  DEMO_INCIDENTS,
  type DemoIncident,
  demoIncident,
  demoIncidents,
} from './incidents.js';

/** Days of history generated when `days` is not given (a little over two years). */
export const DEMO_DEFAULT_DAYS = 760;
/** Fewest days that still hold every injected incident and a baseline before it. */
export const DEMO_MIN_DAYS = 180;
/** Seed used when none is given. */
export const DEMO_DEFAULT_SEED = 1729;
/** Days of forecast after the end date. */
export const DEMO_FORECAST_HORIZON_DAYS = 90;
/** `forecast_daily.model_version` of the demo forecast. */
export const DEMO_MODEL_VERSION = 'demo-v1';

/** Row of `analytics.production_daily` (one well, one product, one day). */
export interface ProductionDailyRow {
  date: string;
  asset_id: string;
  product_id: DemoProductId;
  actual_volume: number;
  planned_volume: number;
  uptime_hours: number;
  /** Comma-separated: `downtime` (uptime under 24 h), `estimated` (allocated, meter unavailable); or null. */
  quality_flags: string | null;
}

/** Row of `analytics.forecast_daily`; p10 ≤ p50 ≤ p90 are quantiles (p10 is the low case). */
export interface ForecastDailyRow {
  date: string;
  asset_id: string;
  product_id: DemoProductId;
  model_version: string;
  p10: number;
  p50: number;
  p90: number;
  generated_at: string;
}

/**
 * Row of `analytics.downtime_events`. A stop is recorded as one row per stopped facility (no product, no
 * volume) plus one row per affected well and product with the volume deferred on that well, so summing
 * `lost_volume` by product never double counts.
 */
export interface DowntimeEventRow {
  event_id: string;
  asset_id: string;
  product_id: DemoProductId | null;
  start_ts: string;
  end_ts: string;
  cause_code: DemoCauseCode;
  cause_category: CauseCategory;
  lost_volume: number | null;
  description: string;
}

/** Options of {@link generateDemoDataset}. */
export interface DemoDatasetOptions {
  /** Last day of history, `YYYY-MM-DD`. Nothing depends on the current date. */
  endDate: string;
  /** Days of history ending at `endDate` (default {@link DEMO_DEFAULT_DAYS}). */
  days?: number;
  /** PRNG seed (default {@link DEMO_DEFAULT_SEED}); incidents sit at the same dates for every seed. */
  seed?: number;
}

/** What was generated. */
export interface DemoDatasetMeta {
  start_date: string;
  end_date: string;
  forecast_end_date: string;
  days: number;
  seed: number;
  model_version: string;
}

/** Every warehouse table of the demo, as plain rows, plus the injected incidents. */
export interface DemoDataset {
  meta: DemoDatasetMeta;
  sites: SiteRow[];
  assets: AssetRow[];
  products: ProductRow[];
  production_daily: ProductionDailyRow[];
  forecast_daily: ForecastDailyRow[];
  downtime_events: DowntimeEventRow[];
  incidents: DemoIncident[];
}

/** Warehouse tables the demo fills, in load order. */
export const DEMO_TABLES = [
  'sites',
  'assets',
  'products',
  'production_daily',
  'forecast_daily',
  'downtime_events',
] as const;

/** A table the demo fills. */
export type DemoTable = (typeof DEMO_TABLES)[number];

const PLANNED_AVAILABILITY = 0.98;
const FORECAST_AVAILABILITY = 0.985;
const WEEKDAY_FACTORS = [1.006, 1.002, 0.988, 0.992, 1.0, 1.004, 1.008] as const;
const SHARED_NOISE_PERSISTENCE = 0.85;
const SHARED_NOISE_STEP = 0.012;
const PRODUCT_NOISE: Record<DemoProductId, number> = { oil: 0.008, gas: 0.012, water: 0.02 };
const BUDGET_BIAS_RANGE = 0.03;
const GAS_OIL_RATIO_GROWTH = 0.05;
const WELL_EVENT_PROBABILITY = 0.01;
const FACILITY_EVENT_PROBABILITY = 0.003;
const ESTIMATED_PROBABILITY = 0.004;
const QUIET_MARGIN_DAYS = 3;
const STANDBY_MAINTENANCE_EVERY_DAYS = 91;
const DECLINE_DEPTH = 0.28;
const DECLINE_SHAPE = 1.4;
const TURNAROUND_FLOWING_HOURS = 8;
const HISTORY_BAND = 0.06;
const HORIZON_BAND_GROWTH = 0.12;
const HOURS_PER_DAY = 24;

const PRODUCT_CODE: Record<DemoProductId, string> = { oil: 'OIL', gas: 'GAS', water: 'WTR' };
const SITE_LANGUAGE: Record<string, OperatorLanguage> = { 'SITE-A': 'en', 'SITE-B': 'en', 'SITE-C': 'es' };
const WELL_CAUSES: readonly DemoCauseCode[] = ['WELL-SD', 'HYD-PLUG', 'INST-FLT', 'MNT-PLN'];
const WELL_CAUSE_WEIGHTS: readonly number[] = [0.3, 0.25, 0.25, 0.2];
const FACILITY_CAUSE: Record<string, DemoCauseCode> = {
  compressor: 'CMP-TRIP',
  separator: 'SEP-HLL',
  pump: 'PMP-FAIL',
};

type ProductSeries = Record<DemoProductId, Float64Array>;

interface WellSeries {
  profile: WellProfile;
  base: ProductSeries;
  plan: ProductSeries;
  downHours: Float64Array;
  estimated: Uint8Array;
}

interface Outage {
  /** Prefix shared by the event ids of this stop. */
  tag: string;
  facilityIds: readonly string[];
  wellIds: readonly string[];
  firstDay: number;
  lastDay: number;
  hoursPerDay: number;
  startTs: string;
  endTs: string;
  cause: DemoCauseCode;
  facilityDescription: string;
  wellDescription: (wellId: string) => string;
}

interface Context {
  startDay: number;
  endIndex: number;
  days: number;
  seed: number;
  incidents: DemoIncident[];
  wells: Map<string, WellSeries>;
  quiet: Map<string, Uint8Array>;
}

/**
 * Generates the deterministic demo dataset: three sites, twenty assets (twelve producing wells), oil, gas
 * and water, `days` of daily actual/plan/uptime, a forecast to 90 days after `endDate`, downtime events,
 * and the incidents of {@link demoIncidents} written into the numbers. Same options, same rows.
 */
export function generateDemoDataset(options: DemoDatasetOptions): DemoDataset {
  const endDay = parseIsoDate(options.endDate);
  const days = options.days ?? DEMO_DEFAULT_DAYS;
  const seed = options.seed ?? DEMO_DEFAULT_SEED;
  if (!Number.isInteger(days) || days < DEMO_MIN_DAYS) {
    throw new RangeError(`days must be an integer of at least ${DEMO_MIN_DAYS}, got ${days}`);
  }
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const context: Context = {
    startDay: endDay - days + 1,
    endIndex: days - 1,
    days,
    seed,
    incidents: demoIncidents(options.endDate),
    wells: new Map(),
    quiet: quietDays(days, demoIncidents(options.endDate)),
  };
  for (const profile of DEMO_WELLS) context.wells.set(profile.asset_id, buildWellSeries(context, profile));

  const outages = [...incidentOutages(context), ...minorOutages(context)];
  const downtime_events = outages.flatMap((outage) => applyOutage(context, outage));
  downtime_events.sort((a, b) =>
    a.start_ts === b.start_ts ? compareText(a.event_id, b.event_id) : compareText(a.start_ts, b.start_ts),
  );

  return {
    meta: {
      start_date: formatEpochDay(context.startDay),
      end_date: options.endDate,
      forecast_end_date: formatEpochDay(endDay + DEMO_FORECAST_HORIZON_DAYS),
      days,
      seed,
      model_version: DEMO_MODEL_VERSION,
    },
    sites: DEMO_SITES.map((site) => ({ ...site })),
    assets: DEMO_ASSETS.map((asset) => ({ ...asset })),
    products: DEMO_PRODUCTS.map((product) => ({ ...product })),
    production_daily: productionRows(context),
    forecast_daily: forecastRows(context, options.endDate),
    downtime_events,
    incidents: context.incidents,
  };
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const round1 = (value: number): number => Math.round(value * 10) / 10;
const roundQuarter = (value: number): number => Math.round(value * 4) / 4;
const emptySeries = (days: number): ProductSeries => ({
  oil: new Float64Array(days),
  gas: new Float64Array(days),
  water: new Float64Array(days),
});

function oilPotential(profile: WellProfile, dayIndex: number): number {
  return profile.initialOilRate * Math.exp((-profile.annualDecline * dayIndex) / 365);
}

function productRatio(profile: WellProfile, product: DemoProductId, dayIndex: number): number {
  const years = dayIndex / 365;
  if (product === 'gas') return (profile.gasOilRatio * (1 + GAS_OIL_RATIO_GROWTH * years)) / 1000;
  if (product === 'water') return profile.waterOilRatio * Math.exp(profile.waterGrowth * years);
  return 1;
}

/** Extra decline of the reservoir-decline well, continued past the end date for the forecast. */
function trendFactor(context: Context, wellId: string, dayIndex: number): number {
  const decline = context.incidents.find((incident) => incident.id === DEMO_INCIDENT_IDS.reservoirDecline);
  if (!decline || decline.root_asset_id !== wellId) return 1;
  const startIndex = context.endIndex + decline.start_offset_days;
  const span = -decline.start_offset_days;
  if (dayIndex <= startIndex) return 1;
  const progress = (dayIndex - startIndex) / span;
  if (progress <= 1) return 1 - DECLINE_DEPTH * progress ** DECLINE_SHAPE;
  const endFactor = 1 - DECLINE_DEPTH;
  const dailyRate = (DECLINE_DEPTH * DECLINE_SHAPE) / span / endFactor;
  return endFactor * Math.exp(-dailyRate * (dayIndex - context.endIndex));
}

function quietDays(days: number, incidents: readonly DemoIncident[]): Map<string, Uint8Array> {
  const quiet = new Map(DEMO_SITES.map((site) => [site.site_id, new Uint8Array(days)]));
  for (const incident of incidents) {
    if (!incident.recorded_as_events) continue;
    const flags = quiet.get(incident.site_id);
    if (!flags) continue;
    const first = days - 1 + incident.start_offset_days - QUIET_MARGIN_DAYS;
    const last = days - 1 + incident.end_offset_days + QUIET_MARGIN_DAYS;
    for (let index = Math.max(0, first); index <= Math.min(days - 1, last); index += 1) flags[index] = 1;
  }
  return quiet;
}

function buildWellSeries(context: Context, profile: WellProfile): WellSeries {
  const { days, seed } = context;
  const wellId = profile.asset_id;
  const base = emptySeries(days);
  const plan = emptySeries(days);
  const estimated = new Uint8Array(days);
  const noise = randomStream(seed, wellId, 'noise');
  const quality = randomStream(seed, wellId, 'quality');
  const monthlyPlan = new Map<string, Record<DemoProductId, number>>();
  let shared = 0;
  for (let index = 0; index < days; index += 1) {
    const day = context.startDay + index;
    shared = SHARED_NOISE_PERSISTENCE * shared + SHARED_NOISE_STEP * gaussian(noise);
    const flowing =
      oilPotential(profile, index) *
      trendFactor(context, wellId, index) *
      (WEEKDAY_FACTORS[dayOfWeek(day)] ?? 1) *
      (1 + shared);
    const monthPlan = monthlyPlanFor(context, profile, day, monthlyPlan);
    for (const product of DEMO_PRODUCT_IDS) {
      const productNoise = 1 + PRODUCT_NOISE[product] * gaussian(noise);
      base[product][index] = flowing * productRatio(profile, product, index) * productNoise;
      plan[product][index] = monthPlan[product];
    }
    estimated[index] = quality() < ESTIMATED_PROBABILITY ? 1 : 0;
  }
  return { profile, base, plan, downHours: new Float64Array(days), estimated };
}

/** The budget: potential at mid-month (no noise, no unforeseen trend) × a per-year bias × availability. */
function monthlyPlanFor(
  context: Context,
  profile: WellProfile,
  day: number,
  cache: Map<string, Record<DemoProductId, number>>,
): Record<DemoProductId, number> {
  const { year, month } = yearMonth(day);
  const key = `${year}-${month}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const midMonthIndex = epochDayOf(year, month, 15) - context.startDay;
  const budget = randomStream(context.seed, profile.asset_id, 'budget', String(year));
  const bias = uniform(budget, 1 - BUDGET_BIAS_RANGE, 1 + BUDGET_BIAS_RANGE);
  const oil = oilPotential(profile, midMonthIndex) * bias * PLANNED_AVAILABILITY;
  const values = {
    oil: round1(oil),
    gas: round1(oil * productRatio(profile, 'gas', midMonthIndex)),
    water: round1(oil * productRatio(profile, 'water', midMonthIndex)),
  };
  cache.set(key, values);
  return values;
}

function incidentOutages(context: Context): Outage[] {
  const outages: Outage[] = [];
  for (const incident of context.incidents) {
    if (!incident.recorded_as_events) continue;
    const firstDay = context.endIndex + incident.start_offset_days;
    const lastDay = context.endIndex + incident.end_offset_days;
    const day = context.startDay + firstDay;
    const wellIds = incident.asset_ids.filter((id) => context.wells.has(id));
    const facilityIds = incident.asset_ids.filter((id) => !context.wells.has(id));
    const common = {
      facilityIds,
      wellIds,
      firstDay,
      lastDay,
      cause: incident.cause_code,
    };
    if (incident.kind === 'compressor_trip') {
      const hours = tripHours(context, incident, firstDay);
      const from = clockTime(incident.start_hour);
      const to = clockTime(incident.start_hour + hours);
      const root = incident.root_asset_id ?? 'CMP-B1';
      outages.push({
        ...common,
        tag: root,
        hoursPerDay: hours,
        startTs: formatTimestamp(day, incident.start_hour),
        endTs: formatTimestamp(day, incident.start_hour + hours),
        facilityDescription:
          `${root} gas-lift compressor tripped at ${from} on high-high discharge temperature (TSHH-1207, ` +
          `2nd stage). Lift gas lost to ${wellIds.join(', ')}. Aftercooler fan motor overload reset; unit ` +
          `restarted at ${to} and wells unloaded back to normal rates. Site B about 12 % under plan for the day.`,
        wellDescription: (wellId) =>
          `${wellId} lost gas lift while ${root} was down (${from}–${to}); deferred volume estimated from the ` +
          'pre-trip rate.',
      });
    } else if (incident.kind === 'power_outage') {
      const hours = incident.expected_effect.down_hours_per_day ?? 18;
      const from = clockTime(incident.start_hour);
      const to = clockTime(incident.start_hour + hours);
      outages.push({
        ...common,
        tag: 'PWR-OUT',
        hoursPerDay: hours,
        startTs: formatTimestamp(day, incident.start_hour),
        endTs: formatTimestamp(day, incident.start_hour + hours),
        facilityDescription:
          `Corte de energía de la red a las ${from} (línea de 33 kV dañada por tormenta): ESD nivel 2 en todo ` +
          `el sitio C. Equipos detenidos y despresurizados; arranque según la lista PWR-OUT al volver la ` +
          `energía, sitio en línea a las ${to}.`,
        wellDescription: (wellId) =>
          `${wellId} cerrado por la ESD del sitio durante el corte de energía (${from}–${to}); volumen diferido ` +
          'estimado con el caudal previo.',
      });
      for (const wellId of wellIds) {
        const series = context.wells.get(wellId);
        for (let index = firstDay; index <= lastDay; index += 1) if (series) series.estimated[index] = 1;
      }
    } else if (incident.kind === 'planned_turnaround') {
      const hours = HOURS_PER_DAY - TURNAROUND_FLOWING_HOURS;
      const planFactor = TURNAROUND_FLOWING_HOURS / HOURS_PER_DAY;
      for (const wellId of wellIds) {
        const series = context.wells.get(wellId);
        if (!series) continue;
        for (let index = firstDay; index <= lastDay; index += 1) {
          for (const product of DEMO_PRODUCT_IDS) {
            series.plan[product][index] = round1(series.plan[product][index]! * planFactor);
          }
        }
      }
      outages.push({
        ...common,
        tag: 'TAR',
        hoursPerDay: hours,
        startTs: formatTimestamp(day, 0),
        endTs: formatTimestamp(context.startDay + lastDay + 1, 0),
        facilityDescription:
          `Planned turnaround ${formatEpochDay(day)} to ${formatEpochDay(context.startDay + lastDay)}: ` +
          'SEP-A1 vessel internal inspection and PSV recertification, CMP-A1 major overhaul. Wells flow ' +
          `${TURNAROUND_FLOWING_HOURS} h/day in rotation through the test separator; plan reduced to one third.`,
        wellDescription: (wellId) =>
          `${wellId} restricted to ${TURNAROUND_FLOWING_HOURS} h/day through the test separator during the ` +
          'SEP-A1 turnaround (planned deferment).',
      });
    } else if (incident.kind === 'pump_failure') {
      const hours = incident.expected_effect.down_hours_per_day ?? 5;
      const from = clockTime(incident.start_hour);
      const to = clockTime(incident.start_hour + hours);
      const root = incident.root_asset_id ?? 'P-101A';
      outages.push({
        ...common,
        tag: root,
        hoursPerDay: hours,
        startTs: formatTimestamp(day, incident.start_hour),
        endTs: formatTimestamp(day, incident.start_hour + hours),
        facilityDescription:
          `${root} oil transfer pump tripped at ${from}: mechanical seal leak (seal pot level high). Oil tank ` +
          `level rose to high-high and the wells were shut in; standby P-101B lined up and started at ${to}. ` +
          `${root} isolated for seal replacement.`,
        wellDescription: (wellId) =>
          `${wellId} shut in on high oil tank level while ${root} was down (${from}–${to}).`,
      });
    }
  }
  return outages;
}

/** Hours of the compressor trip that put the site at the incident's target variance for oil and gas. */
function tripHours(context: Context, incident: DemoIncident, dayIndex: number): number {
  const target = 1 + (incident.expected_effect.site_variance_vs_plan ?? -0.12);
  const fractions = (['oil', 'gas'] as const).map((product) => {
    let base = 0;
    let plan = 0;
    for (const wellId of incident.asset_ids) {
      const series = context.wells.get(wellId);
      if (!series) continue;
      base += series.base[product][dayIndex]!;
      plan += series.plan[product][dayIndex]!;
    }
    return 1 - (target * plan) / base;
  });
  const fraction = fractions.reduce((sum, value) => sum + value, 0) / fractions.length;
  return Math.min(8, Math.max(1, roundQuarter(fraction * HOURS_PER_DAY)));
}

function minorOutages(context: Context): Outage[] {
  const outages: Outage[] = [];
  for (const profile of DEMO_WELLS) {
    const wellId = profile.asset_id;
    const siteId = siteOfAsset(wellId);
    const quiet = context.quiet.get(siteId);
    const random = randomStream(context.seed, wellId, 'events');
    for (let index = 0; index < context.days; index += 1) {
      if (random() >= WELL_EVENT_PROBABILITY || quiet?.[index]) continue;
      const cause = pickWeighted(random, WELL_CAUSES, WELL_CAUSE_WEIGHTS);
      const hours = cause === 'MNT-PLN' ? 4 + Math.floor(random() * 7) : 1 + Math.floor(random() * 8);
      const startHour = roundQuarter(random() * (HOURS_PER_DAY - hours));
      const description = minorEventDescription(random, SITE_LANGUAGE[siteId] ?? 'en', cause, wellId);
      outages.push(
        singleDayOutage(
          context,
          { tag: wellId, facilityIds: [], wellIds: [wellId] },
          index,
          startHour,
          hours,
          cause,
          description,
        ),
      );
    }
  }
  for (const facility of DEMO_FACILITIES) {
    const asset = DEMO_ASSETS.find((candidate) => candidate.asset_id === facility.asset_id);
    if (!asset) continue;
    const quiet = context.quiet.get(asset.site_id);
    const language = SITE_LANGUAGE[asset.site_id] ?? 'en';
    const random = randomStream(context.seed, asset.asset_id, 'events');
    for (let index = 0; index < context.days; index += 1) {
      const roll = random();
      if (quiet?.[index]) continue;
      if (facility.impact === 'none') {
        if (index % STANDBY_MAINTENANCE_EVERY_DAYS !== 20) continue;
        const description = facilityMaintenanceDescription(random, language, asset.asset_id);
        const ids = { tag: asset.asset_id, facilityIds: [asset.asset_id], wellIds: [] };
        outages.push(singleDayOutage(context, ids, index, 8, 6, 'MNT-PLN', description));
        continue;
      }
      if (roll >= FACILITY_EVENT_PROBABILITY) continue;
      const cause = FACILITY_CAUSE[asset.asset_type] ?? 'INST-FLT';
      const hours = 0.5 + 0.25 * Math.floor(random() * 7);
      const startHour = roundQuarter(random() * (HOURS_PER_DAY - hours));
      const description = minorEventDescription(random, language, cause, asset.asset_id);
      const ids = {
        tag: asset.asset_id,
        facilityIds: [asset.asset_id],
        wellIds: assetIdsOfSite(asset.site_id, 'well'),
      };
      outages.push(singleDayOutage(context, ids, index, startHour, hours, cause, description));
    }
  }
  return outages;
}

function singleDayOutage(
  context: Context,
  ids: { tag: string; facilityIds: readonly string[]; wellIds: readonly string[] },
  dayIndex: number,
  startHour: number,
  hours: number,
  cause: DemoCauseCode,
  description: string,
): Outage {
  const day = context.startDay + dayIndex;
  const from = clockTime(startHour);
  const to = clockTime(startHour + hours);
  const root = ids.facilityIds[0];
  const language = SITE_LANGUAGE[siteOfAsset(ids.tag)] ?? 'en';
  return {
    ...ids,
    firstDay: dayIndex,
    lastDay: dayIndex,
    hoursPerDay: hours,
    startTs: formatTimestamp(day, startHour),
    endTs: formatTimestamp(day, startHour + hours),
    cause,
    facilityDescription: description,
    wellDescription: (wellId) =>
      root ? deferredByFacilityDescription(language, wellId, root, from, to) : description,
  };
}

function applyOutage(context: Context, outage: Outage): DowntimeEventRow[] {
  const datePart = compactEpochDay(context.startDay + outage.firstDay);
  const category = DEMO_CAUSE_CODES[outage.cause].category;
  const common = {
    start_ts: outage.startTs,
    end_ts: outage.endTs,
    cause_code: outage.cause,
    cause_category: category,
  };
  const rows: DowntimeEventRow[] = outage.facilityIds.map((facilityId) => ({
    event_id:
      facilityId === outage.tag
        ? `EV-${datePart}-${facilityId}`
        : `EV-${datePart}-${outage.tag}-${facilityId}`,
    asset_id: facilityId,
    product_id: null,
    ...common,
    lost_volume: null,
    description: outage.facilityDescription,
  }));
  for (const wellId of outage.wellIds) {
    const series = context.wells.get(wellId);
    if (!series) continue;
    const lost: Record<DemoProductId, number> = { oil: 0, gas: 0, water: 0 };
    for (let index = outage.firstDay; index <= outage.lastDay; index += 1) {
      const applied = Math.min(outage.hoursPerDay, HOURS_PER_DAY - series.downHours[index]!);
      series.downHours[index] = series.downHours[index]! + applied;
      for (const product of DEMO_PRODUCT_IDS) {
        lost[product] += (series.base[product][index]! * applied) / HOURS_PER_DAY;
      }
    }
    const prefix =
      wellId === outage.tag ? `EV-${datePart}-${wellId}` : `EV-${datePart}-${outage.tag}-${wellId}`;
    for (const product of DEMO_PRODUCT_IDS) {
      rows.push({
        event_id: `${prefix}-${PRODUCT_CODE[product]}`,
        asset_id: wellId,
        product_id: product,
        ...common,
        lost_volume: round1(lost[product]),
        description: outage.wellDescription(wellId),
      });
    }
  }
  return rows;
}

function productionRows(context: Context): ProductionDailyRow[] {
  const rows: ProductionDailyRow[] = [];
  const series = DEMO_WELLS.map((profile) => context.wells.get(profile.asset_id)).filter(
    (candidate): candidate is WellSeries => candidate !== undefined,
  );
  for (let index = 0; index < context.days; index += 1) {
    const date = formatEpochDay(context.startDay + index);
    for (const well of series) {
      const uptime = HOURS_PER_DAY - well.downHours[index]!;
      const flags = [uptime < HOURS_PER_DAY ? 'downtime' : null, well.estimated[index] ? 'estimated' : null]
        .filter((flag) => flag !== null)
        .join(',');
      for (const product of DEMO_PRODUCT_IDS) {
        rows.push({
          date,
          asset_id: well.profile.asset_id,
          product_id: product,
          actual_volume: round1((well.base[product][index]! * uptime) / HOURS_PER_DAY),
          planned_volume: well.plan[product][index]!,
          uptime_hours: uptime,
          quality_flags: flags === '' ? null : flags,
        });
      }
    }
  }
  return rows;
}

function forecastRows(context: Context, endDate: string): ForecastDailyRow[] {
  const rows: ForecastDailyRow[] = [];
  const generatedAt = `${endDate}T00:00:00`;
  const lastIndex = context.endIndex + DEMO_FORECAST_HORIZON_DAYS;
  for (let index = 0; index <= lastIndex; index += 1) {
    const date = formatEpochDay(context.startDay + index);
    const ahead = Math.max(0, index - context.endIndex);
    const band = HISTORY_BAND + (HORIZON_BAND_GROWTH * ahead) / DEMO_FORECAST_HORIZON_DAYS;
    for (const profile of DEMO_WELLS) {
      const oil =
        oilPotential(profile, index) * trendFactor(context, profile.asset_id, index) * FORECAST_AVAILABILITY;
      for (const product of DEMO_PRODUCT_IDS) {
        const p50 = oil * productRatio(profile, product, index);
        rows.push({
          date,
          asset_id: profile.asset_id,
          product_id: product,
          model_version: DEMO_MODEL_VERSION,
          p10: round1(p50 * (1 - band)),
          p50: round1(p50),
          p90: round1(p50 * (1 + band)),
          generated_at: generatedAt,
        });
      }
    }
  }
  return rows;
}
